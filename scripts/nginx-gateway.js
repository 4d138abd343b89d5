'use strict';
// The one-machine gateway is real nginx (Debian `nginx`, installed by
// scripts/infra.sh), configured from the Kubernetes ingress
// (infra/k8s/ingress-srv.yaml) the way ingress-nginx configures itself:
//   - with `nginx.ingress.kubernetes.io/use-regex: "true"` every path becomes
//     `location ~* "^<path>"` (case-insensitive, anchored at the start of the
//     URI path, the query string not part of the match), written longest path
//     first (ingress-nginx sorts them so; nginx tries regex locations in order);
//   - without use-regex: `Exact` is `location = <path>`, `Prefix` matches
//     whole path segments;
//   - no rewrite: the path reaches the service unchanged; Host is kept;
//     X-Forwarded-For is appended to, X-Forwarded-Proto/Host/Port/Scheme and
//     X-Real-IP are set, X-Request-ID is passed through or generated
//     ($request_id), as ingress-nginx does;
//   - keep-alive connections to every upstream (HTTP/1.1, `keepalive`), and
//     websocket upgrades (next dev's reload) pass through.
// Local additions, all in the API's error shape: an /api path no service owns
// is a 404 `Not Found` (in Kubernetes the client answers it the same way), a
// backend with no local process is a 502, one that is down a 503. nginx's own
// refusals (400, TRACE's 405, 413, 414, 431) are in that shape here and in
// the ingress-nginx controller alike: gatewayErrorSnippets.
//
//   node scripts/nginx-gateway.js [ingress.yaml]   prints the routes and the generated nginx.conf
//   node scripts/nginx-gateway.js --ingress-nginx-config
//                                  writes infra/ingress-nginx/controller-config.yaml
const { spawn, spawnSync } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');

const REPO = path.resolve(__dirname, '..');
const DEFAULT_INGRESS = path.join(REPO, 'infra', 'k8s', 'ingress-srv.yaml');
const USE_REGEX = 'nginx.ingress.kubernetes.io/use-regex';
const NGINX_CANDIDATES = ['/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

const escapeRegex = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Reads every Ingress in the manifest; returns its routes in ingress-nginx's match order. */
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
        if (/["\n;{}]/.test(raw)) throw new Error(`${file}: path ${JSON.stringify(raw)} cannot be written into an nginx location`);
        let location;
        if (useRegex) location = `~* "^${raw}"`;
        else if (pathType === 'Exact') location = `= "${raw}"`;
        else {
          const prefix = raw.replace(/\/+$/, '');
          location = prefix ? `~ "^${escapeRegex(prefix)}(?:/|$)"` : '/';
        }
        routes.push({ host: rule.host || '*', path: raw, pathType, location, service: backend.name });
      }
    }
  }
  // ingress-nginx: longest path first (stable for equal lengths).
  return routes
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.path.length - a.r.path.length || a.i - b.i)
    .map(({ r }) => r);
}

const jsonBody = (message) => JSON.stringify({ errors: [{ message }] }).replace(/\\/g, '\\\\').replace(/'/g, "\\'");
const jsonReturn = (status, message) => `default_type "application/json; charset=utf-8"; return ${status} '${jsonBody(message)}';`;
const upstreamName = (service) => `backend_${service.replace(/[^\w]/g, '_')}`;

const DEFAULT_DOCUMENT = path.join(REPO, 'docs', 'openapi.yaml');
const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
/** Where nginx's own refusals are rendered: internal locations, reached only by error_page. */
const ERROR_PREFIX = '/__gateway/';

/**
 * The methods each path of the OpenAPI document answers, as the services'
 * `Allow` header says them (GET brings HEAD), most specific path first:
 * [{ path, pattern, allow }], `pattern` a regex over $request_uri.
 */
function documentedMethods(document = DEFAULT_DOCUMENT) {
  const yaml = require('js-yaml');
  const doc = yaml.load(fs.readFileSync(document, 'utf8'));
  const verbs = new Set(['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace', 'query']);
  return Object.entries(doc.paths || {})
    .map(([p, item]) => {
      const methods = new Set(Object.keys(item).filter((k) => verbs.has(k)).map((k) => k.toUpperCase()));
      if (methods.has('GET')) methods.add('HEAD');
      const allow = [...methods].sort((a, b) => (METHOD_ORDER.indexOf(a) + 1 || 99) - (METHOD_ORDER.indexOf(b) + 1 || 99)).join(', ');
      const segments = p.split(/(\{[^}]+\})/).map((part) => (/^\{.+\}$/.test(part) ? '[^/?]+' : escapeRegex(part)));
      // As Express matches: case-insensitive, one trailing slash allowed, the query string apart.
      return { path: p, pattern: `^${segments.join('')}/?(?:\\?|$)`, allow, params: (p.match(/\{/g) || []).length };
    })
    .sort((a, b) => a.params - b.params || a.path.localeCompare(b.path))
    .map(({ path: p, pattern, allow }) => ({ path: p, pattern, allow }));
}

/**
 * nginx's own refusals in the API's error shape, with the statuses a client
 * can act on, for the local gateway and the ingress-nginx controller alike
 * (infra/ingress-nginx/controller-config.yaml carries the same text):
 *   400 a request nginx cannot parse; 405 TRACE, which nginx refuses itself
 *   before any location (the services answer every other undeclared method),
 *   with `Allow` from docs/openapi.yaml; 413 a body over client_max_body_size;
 *   414 a request line over the header buffers; 431 a header over them
 *   (nginx's 494).
 * error_page goes to a URI, not a named location: a request whose line was
 * too long has no URI yet, and nginx cannot redirect it to a named location.
 * Returns { http, server, errorPages }: `http` goes in the http block,
 * `server` in each server block, `errorPages` is repeated in any location
 * that has an error_page of its own (it then inherits none).
 */
function gatewayErrorSnippets({ document = DEFAULT_DOCUMENT } = {}) {
  const refusals = [
    { status: 400, message: 'Bad request' },
    { status: 405, message: 'Method Not Allowed', allow: true },
    { status: 413, message: 'Request body too large' },
    { status: 414, message: 'Request URI too long' },
    { status: 431, from: 494, message: 'Request headers too large' },
  ];
  const http = ['map $request_uri $api_allow {', '  default "GET, HEAD";'];
  for (const m of documentedMethods(document)) http.push(`  "~*${m.pattern}" "${m.allow}";`);
  http.push('}');
  const errorPages = refusals.map((r) => (r.from ? `error_page ${r.from} =${r.status} ${ERROR_PREFIX}${r.status};` : `error_page ${r.status} ${ERROR_PREFIX}${r.status};`));
  const server = [...errorPages];
  for (const r of refusals) {
    const allow = r.allow ? ' add_header Allow $api_allow always;' : '';
    server.push(`location = ${ERROR_PREFIX}${r.status} { internal;${allow} ${jsonReturn(r.status, r.message)} }`);
  }
  return { http: `${http.join('\n')}\n`, server: `${server.join('\n')}\n`, errorPages };
}

/**
 * nginx.conf for the gateway. targets: { 'auth-srv': 'http://127.0.0.1:3001', ... };
 * dirs: { run, logs } absolute (pid file, temp files, access log).
 */
function renderNginxConfig({ routes = loadIngressRoutes(), targets, port, dirs, workers = 1, user, document = DEFAULT_DOCUMENT }) {
  const services = [...new Set(routes.map((r) => r.service))];
  const out = [];
  const w = (line = '') => out.push(line);
  w('# Generated by scripts/nginx-gateway.js from infra/k8s/ingress-srv.yaml: do not edit.');
  // One worker: on a small machine the services need the cores, not the proxy.
  w(`worker_processes ${workers};`);
  if (user) w(`user ${user};`);
  w(`pid ${path.join(dirs.run, `gateway-${port}.pid`)};`);
  w('error_log stderr warn;');
  w('events { worker_connections 4096; }');
  w('http {');
  w(`  client_body_temp_path ${path.join(dirs.run, `gateway-${port}-tmp`, 'body')};`);
  w(`  proxy_temp_path ${path.join(dirs.run, `gateway-${port}-tmp`, 'proxy')};`);
  for (const t of ['fastcgi', 'uwsgi', 'scgi']) w(`  ${t}_temp_path ${path.join(dirs.run, `gateway-${port}-tmp`, t)};`);
  // Buffered: no write per request on the hot path.
  w(`  log_format gateway '$time_iso8601 $remote_addr "$request" $status $body_bytes_sent $request_time $upstream_response_time $req_id';`);
  w(`  access_log ${path.join(dirs.logs, 'gateway.log')} gateway buffer=64k flush=2s;`);
  w('  server_tokens off;');
  w('  keepalive_timeout 75s;');
  w('  keepalive_requests 10000;');
  w('  client_max_body_size 1m;'); // ingress-nginx's proxy-body-size default
  w('  proxy_connect_timeout 5s;');
  w('  proxy_read_timeout 60s;');
  w('  proxy_send_timeout 60s;');
  w('  proxy_http_version 1.1;');
  w('  proxy_buffering on;');
  w('  map $http_x_request_id $req_id { default $http_x_request_id; "" $request_id; }');
  // Keep-alive upstreams: an empty Connection unless the client upgrades.
  w('  map $http_upgrade $connection_upgrade { default upgrade; "" ""; }');
  w('  proxy_set_header Host $http_host;');
  w('  proxy_set_header Upgrade $http_upgrade;');
  w('  proxy_set_header Connection $connection_upgrade;');
  w('  proxy_set_header X-Request-ID $req_id;');
  w('  proxy_set_header X-Real-IP $remote_addr;');
  w('  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
  w('  proxy_set_header X-Forwarded-Host $http_host;');
  w('  proxy_set_header X-Forwarded-Port $server_port;');
  w('  proxy_set_header X-Forwarded-Proto $scheme;');
  w('  proxy_set_header X-Forwarded-Scheme $scheme;');
  w('  proxy_set_header X-Scheme $scheme;');
  const refusals = gatewayErrorSnippets({ document });
  for (const line of refusals.http.trimEnd().split('\n')) w(`  ${line}`);
  for (const service of services) {
    const target = targets[service];
    if (!target) continue;
    const u = new URL(target);
    w(`  upstream ${upstreamName(service)} {`);
    w(`    server ${u.hostname}:${u.port || 80} max_fails=0;`);
    w('    keepalive 64;');
    w('    keepalive_requests 10000;');
    // Below Node's 5 s keepAliveTimeout: nginx never reuses a socket the service is closing.
    w('    keepalive_timeout 4s;');
    w('  }');
  }
  w('  server {');
  w(`    listen ${port} reuseport;`);
  w('    server_name _;');
  // nginx's own errors in the API's shape. A location with its own error_page inherits none: repeated there.
  const ownErrors = refusals.errorPages;
  for (const line of refusals.server.trimEnd().split('\n')) w(`    ${line}`);
  const emitted = new Set();
  const apiFallback = () => {
    // An /api path no service owns: the API's 404, before the catch-all client route.
    w(`    location ~* "^/api(?:/|$)" { ${jsonReturn(404, 'Not Found')} }`);
  };
  let fallbackDone = false;
  for (const r of routes) {
    const catchAll = !r.path.replace(/[/?().*^$]/g, '');
    if (catchAll && !fallbackDone) {
      apiFallback();
      fallbackDone = true;
    }
    const target = targets[r.service];
    w(`    # ${r.path} (${r.pathType}) → ${r.service}${target ? ` (${target})` : ''}`);
    if (!target) {
      w(`    location ${r.location} { ${jsonReturn(502, `Bad gateway: no local target for service ${r.service}`)} }`);
      continue;
    }
    const down = `@down_${upstreamName(r.service)}`;
    w(`    location ${r.location} {`);
    w(`      proxy_pass http://${upstreamName(r.service)};`);
    w(`      error_page 502 503 504 = ${down};`);
    for (const line of ownErrors) w(`      ${line}`);
    w('    }');
    if (!emitted.has(down)) {
      emitted.add(down);
      w(`    location ${down} { ${jsonReturn(503, `Service unavailable: ${r.service} is not running or did not answer`)} }`);
    }
  }
  if (!fallbackDone) apiFallback();
  if (!routes.some((r) => r.location === '/')) w(`    location / { ${jsonReturn(404, 'Not Found')} }`);
  w('  }');
  w('}');
  return `${out.join('\n')}\n`;
}

/** Writes dirs.run/gateway-<port>.conf and the folders it names; returns the file. */
function writeNginxConfig({ routes = loadIngressRoutes(), targets, port, dirs }) {
  fs.mkdirSync(dirs.run, { recursive: true });
  fs.mkdirSync(dirs.logs, { recursive: true });
  fs.mkdirSync(path.join(dirs.run, `gateway-${port}-tmp`), { recursive: true });
  // As root, nginx would hand its workers to `nobody`, who cannot write these folders.
  const user = typeof process.getuid === 'function' && process.getuid() === 0 ? 'root root' : undefined;
  const confFile = path.join(dirs.run, `gateway-${port}.conf`);
  fs.writeFileSync(confFile, renderNginxConfig({ routes, targets, port, dirs, user }));
  return confFile;
}

function nginxBinary() {
  if (process.env.NGINX_BIN) return process.env.NGINX_BIN;
  const found = NGINX_CANDIDATES.find((p) => fs.existsSync(p));
  if (found) return found;
  const which = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  return null;
}

/** `nginx -t` on a config file: { ok, output }. */
function testNginxConfig(confFile, bin = nginxBinary()) {
  if (!bin) return { ok: false, output: 'nginx not found (bash scripts/infra.sh install gateway)' };
  const r = spawnSync(bin, ['-t', '-q', '-e', 'stderr', '-p', path.dirname(confFile), '-c', confFile], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

const portOpen = (port) =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });

/**
 * Writes the config under dirs.run, checks it (nginx -t), starts nginx in the
 * foreground (its own process group), resolves when it listens.
 * Resolves { pid, confFile, routes, close() }; log(line) gets nginx's stderr.
 */
async function startNginxGateway({ routes = loadIngressRoutes(), targets, port, dirs, log = () => {}, timeoutMs = 10000 }) {
  const bin = nginxBinary();
  if (!bin) throw new Error('nginx not found: bash scripts/infra.sh install gateway (Debian nginx)');
  const confFile = writeNginxConfig({ routes, targets, port, dirs });
  const check = testNginxConfig(confFile, bin);
  if (!check.ok) throw new Error(`nginx -t ${confFile} failed:\n${check.output}`);
  const child = spawn(bin, ['-e', 'stderr', '-p', dirs.run, '-c', confFile, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  let exited = null;
  const exit = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    });
    child.once('error', (err) => {
      exited = { code: -1, signal: null, err };
      resolve(exited);
    });
  });
  const tail = [];
  require('readline')
    .createInterface({ input: child.stderr })
    .on('line', (line) => {
      tail.push(line);
      if (tail.length > 20) tail.shift();
      log(line);
    });
  const deadline = Date.now() + timeoutMs;
  while (!(await portOpen(port))) {
    if (exited) throw new Error(`nginx exited while starting (${exited.signal || exited.code}):\n${tail.join('\n')}`);
    if (Date.now() > deadline) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      throw new Error(`nginx did not listen on :${port} within ${timeoutMs / 1000}s`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const signalGroup = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      /* gone */
    }
  };
  return {
    pid: child.pid,
    confFile,
    routes,
    exit,
    /** Graceful stop (SIGQUIT: finish what is in flight), SIGKILL after 5 s. */
    async close() {
      if (exited) return;
      signalGroup('SIGQUIT');
      const t = setTimeout(() => signalGroup('SIGKILL'), 5000);
      await exit;
      clearTimeout(t);
    },
  };
}

const INGRESS_NGINX_CONFIG = path.join(REPO, 'infra', 'ingress-nginx', 'controller-config.yaml');

/**
 * The ingress-nginx controller's ConfigMap with gatewayErrorSnippets in its
 * http-snippet and server-snippet (infra/ingress-nginx/controller-config.yaml
 * is this text; `node scripts/nginx-gateway.js --ingress-nginx-config` writes it).
 */
function ingressNginxConfigMap({ document = DEFAULT_DOCUMENT } = {}) {
  const { http, server } = gatewayErrorSnippets({ document });
  const block = (text) => text.trimEnd().split('\n').map((l) => `    ${l}`).join('\n');
  return [
    '# Generated by scripts/nginx-gateway.js (--ingress-nginx-config) from docs/openapi.yaml: do not edit.',
    "# The ingress-nginx controller's own refusals in the API's error shape (400,",
    "# TRACE's 405 with Allow, 413, 414, 431), as the local gateway answers them.",
    '# Global snippets of the controller ConfigMap, not snippet annotations (which',
    '# ingress-nginx refuses by default): docs/contract-testing.md.',
    '#   kubectl apply -f infra/ingress-nginx/controller-config.yaml',
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: ingress-nginx-controller',
    '  namespace: ingress-nginx',
    '  labels:',
    '    app.kubernetes.io/component: controller',
    '    app.kubernetes.io/instance: ingress-nginx',
    '    app.kubernetes.io/name: ingress-nginx',
    '    app.kubernetes.io/part-of: ingress-nginx',
    'data:',
    '  http-snippet: |',
    block(http),
    '  server-snippet: |',
    block(server),
    '',
  ].join('\n');
}

/** Human-readable routing table. */
function describeRoutes(routes, targets = {}) {
  return routes.map((r) => `  ${r.path.padEnd(22)} → ${r.service}${targets[r.service] ? ` (${targets[r.service]})` : ''}`).join('\n');
}

module.exports = { loadIngressRoutes, documentedMethods, gatewayErrorSnippets, ingressNginxConfigMap, INGRESS_NGINX_CONFIG, renderNginxConfig, writeNginxConfig, startNginxGateway, testNginxConfig, nginxBinary, describeRoutes, DEFAULT_INGRESS };

if (require.main === module && process.argv.includes('--ingress-nginx-config')) {
  fs.mkdirSync(path.dirname(INGRESS_NGINX_CONFIG), { recursive: true });
  fs.writeFileSync(INGRESS_NGINX_CONFIG, ingressNginxConfigMap());
  console.log(`wrote ${path.relative(process.cwd(), INGRESS_NGINX_CONFIG)}`);
} else if (require.main === module) {
  const file = process.argv.find((a) => a.endsWith('.yaml')) || DEFAULT_INGRESS;
  const routes = loadIngressRoutes(file);
  console.log(`# Routes from ${path.relative(process.cwd(), file)} (match order):\n${describeRoutes(routes).replace(/^/gm, '#')}`);
  const targets = Object.fromEntries([...new Set(routes.map((r) => r.service))].map((s, i) => [s, `http://127.0.0.1:${3000 + i}`]));
  process.stdout.write(renderNginxConfig({ routes, targets, port: 8080, dirs: { run: '/tmp/ticketing-gateway', logs: '/tmp/ticketing-gateway' } }));
}
