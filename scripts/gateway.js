'use strict';
// The one-machine gateway: http://localhost:8080 routes paths exactly as the
// Kubernetes ingress (infra/k8s/ingress-srv.yaml) does, because it reads its
// routes from that manifest. ingress-nginx semantics emulated here:
//   - with `nginx.ingress.kubernetes.io/use-regex: "true"` every path is a
//     case-insensitive regex anchored at the start of the URI path
//     (`location ~* "^<path>"`), the query string is not part of the match;
//   - regex locations are tried longest path first (ingress-nginx sorts them
//     by length), the first match wins;
//   - without use-regex: `Exact` is an exact match and `Prefix` matches whole
//     path segments;
//   - no rewrite: the path reaches the service unchanged; Host is kept;
//     X-Forwarded-For is appended to, X-Forwarded-Proto/Host/Port and
//     X-Real-IP are set, X-Request-ID is kept or generated.
// A backend is a Kubernetes Service name (`auth-srv`); `targets` maps it to a
// local URL. Websocket upgrades (Next dev HMR) are proxied the same way.
//
//   node scripts/gateway.js --routes   prints the routing table
const fs = require('fs');
const http = require('http');
const path = require('path');
const crypto = require('crypto');

const REPO = path.resolve(__dirname, '..');
const DEFAULT_INGRESS = path.join(REPO, 'infra', 'k8s', 'ingress-srv.yaml');
const USE_REGEX = 'nginx.ingress.kubernetes.io/use-regex';

const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Reads every Ingress in the manifest; returns its routes in match order. */
function loadIngressRoutes(file = DEFAULT_INGRESS) {
  const yaml = require('js-yaml');
  const docs = yaml.loadAll(fs.readFileSync(file, 'utf8')).filter((d) => d && d.kind === 'Ingress');
  if (docs.length === 0) throw new Error(`${file}: no Ingress object found`);
  const routes = [];
  for (const ingress of docs) {
    const annotations = (ingress.metadata && ingress.metadata.annotations) || {};
    const useRegex = String(annotations[USE_REGEX]).toLowerCase() === 'true';
    for (const rule of (ingress.spec && ingress.spec.rules) || []) {
      for (const p of (rule.http && rule.http.paths) || []) {
        const backend = (p.backend && p.backend.service) || {};
        if (!backend.name) throw new Error(`${file}: path ${p.path} has no backend service`);
        const pathType = p.pathType || 'ImplementationSpecific';
        const raw = p.path || '/';
        let pattern;
        if (useRegex) pattern = `^${raw}`;
        else if (pathType === 'Exact') pattern = `^${escapeRegex(raw)}$`;
        else {
          const prefix = raw.replace(/\/+$/, '');
          pattern = prefix ? `^${escapeRegex(prefix)}(?:/|$)` : '^/';
        }
        routes.push({
          host: rule.host || '*',
          path: raw,
          pathType,
          regex: new RegExp(pattern, useRegex ? 'i' : ''),
          service: backend.name,
          servicePort: backend.port && (backend.port.number || backend.port.name),
        });
      }
    }
  }
  // ingress-nginx: longest path first (stable for equal lengths).
  return routes
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.path.length - a.r.path.length || a.i - b.i)
    .map(({ r }) => r);
}

/** The route a URL goes to, or undefined. */
function matchRoute(routes, url) {
  const pathname = String(url || '/').split('?')[0] || '/';
  return routes.find((r) => r.regex.test(pathname));
}

function sendError(res, status, message) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ errors: [{ message }] });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function setForwardedHeaders(req, proto) {
  const h = req.headers;
  const remote = (req.socket.remoteAddress || '').replace(/^::ffff:/, '');
  h['x-forwarded-for'] = h['x-forwarded-for'] ? `${h['x-forwarded-for']}, ${remote}` : remote;
  h['x-real-ip'] = remote;
  h['x-forwarded-proto'] = proto;
  h['x-forwarded-scheme'] = proto;
  h['x-forwarded-host'] = h.host || '';
  h['x-forwarded-port'] = String(req.socket.localPort || '');
  if (!h['x-request-id'] || !/^[\w.:-]{1,128}$/.test(h['x-request-id'])) h['x-request-id'] = crypto.randomBytes(16).toString('hex');
}

/**
 * createGateway({ routes, targets: { 'auth-srv': 'http://127.0.0.1:3001' }, log })
 * → an http.Server (not listening yet). An unknown backend answers 502, a
 * backend that refuses connections 503, any other proxy failure 502; always
 * in the API's error shape, never a crash.
 */
function createGateway({ routes = loadIngressRoutes(), targets, log = () => {}, proto = 'http', timeoutMs = 60000 }) {
  const httpProxy = require('http-proxy');
  const proxy = httpProxy.createProxyServer({ xfwd: false, changeOrigin: false, ws: true, proxyTimeout: timeoutMs });

  proxy.on('error', (err, req, resOrSocket) => {
    const refused = err && err.code === 'ECONNREFUSED';
    const service = req && req.gatewayService;
    log(`${req && req.method} ${req && req.url} → ${service}: ${err && (err.code || err.message)}`);
    if (resOrSocket instanceof http.ServerResponse) {
      if (refused) sendError(resOrSocket, 503, `Service unavailable: ${service} is not running`);
      else sendError(resOrSocket, 502, `Bad gateway: ${service} failed to answer`);
    } else if (resOrSocket && typeof resOrSocket.destroy === 'function') {
      resOrSocket.destroy();
    }
  });

  const resolve = (req) => {
    const route = matchRoute(routes, req.url);
    if (!route) return { error: [404, 'Not Found'] };
    const target = targets[route.service];
    req.gatewayService = route.service;
    if (!target) return { error: [502, `Bad gateway: no local target for service ${route.service}`] };
    return { target };
  };

  const server = http.createServer((req, res) => {
    const { target, error } = resolve(req);
    if (error) {
      log(`${req.method} ${req.url} → ${error[0]} ${error[1]}`);
      sendError(res, error[0], error[1]);
      return;
    }
    setForwardedHeaders(req, proto);
    proxy.web(req, res, { target });
  });

  server.on('upgrade', (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const { target, error } = resolve(req);
    if (error) {
      socket.destroy();
      return;
    }
    setForwardedHeaders(req, proto);
    proxy.ws(req, socket, head, { target });
  });

  server.on('clientError', (err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });

  // Upgraded (websocket) sockets leave the HTTP server's bookkeeping:
  // track every socket so close() ends them all.
  const sockets = new Set();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  server.routes = routes;
  const close = server.close.bind(server);
  server.close = (cb) => {
    close(cb);
    for (const socket of sockets) socket.destroy();
    proxy.close();
    return server;
  };
  return server;
}

/** Human-readable routing table. */
function describeRoutes(routes, targets = {}) {
  return routes.map((r) => `  ${r.path.padEnd(22)} → ${r.service}${targets[r.service] ? ` (${targets[r.service]})` : ''}`).join('\n');
}

module.exports = { loadIngressRoutes, matchRoute, createGateway, describeRoutes, DEFAULT_INGRESS };

if (require.main === module) {
  const file = process.argv.find((a) => a.endsWith('.yaml')) || DEFAULT_INGRESS;
  console.log(`Routes from ${path.relative(process.cwd(), file)} (match order):\n${describeRoutes(loadIngressRoutes(file))}`);
}
