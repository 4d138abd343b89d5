// The one-machine gateway is real nginx with a config generated from
// infra/k8s/ingress-srv.yaml (scripts/nginx-gateway.js). Here: the config
// carries the ingress paths as ingress-nginx writes them and passes `nginx -t`,
// and a real nginx routes, forwards headers, keeps upstream connections alive
// and answers failures and its own refusals (TRACE, a request line or header
// over its buffers) in the API's error shape. No system needed.
import { spawnSync } from 'child_process';
import fs from 'fs';
import http from 'http';
import net, { AddressInfo } from 'net';
import os from 'os';
import path from 'path';
import * as yaml from 'js-yaml';

const gatewayLib = require('../../../scripts/nginx-gateway.js');
const { SERVICES, CLIENT, REPO } = require('../../../scripts/system.js');

type Route = { path: string; service: string; location: string };

const routes: Route[] = gatewayLib.loadIngressRoutes();

/** A port nothing listens on right now. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

beforeAll(() => {
  // Idempotent: a second run is a no-op (npm start does the same).
  if (!gatewayLib.nginxBinary()) {
    const r = spawnSync('bash', [path.join(REPO, 'scripts', 'infra.sh'), 'install', 'gateway'], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('infra.sh install gateway failed');
  }
});

describe('the nginx config generated from infra/k8s/ingress-srv.yaml', () => {
  const ingress = (yaml.loadAll(fs.readFileSync(path.join(REPO, 'infra', 'k8s', 'ingress-srv.yaml'), 'utf8')) as any[]).find(
    (d) => d && d.kind === 'Ingress',
  );
  const ingressPaths: Array<{ path: string; service: string }> = ingress.spec.rules.flatMap((rule: any) =>
    rule.http.paths.map((p: any) => ({ path: p.path, service: p.backend.service.name })),
  );
  const targets = Object.fromEntries(routes.map((r, i) => [r.service, `http://127.0.0.1:${40001 + i}`]));
  const config: string = gatewayLib.renderNginxConfig({ routes, targets, port: 40000, dirs: { run: '/tmp/x', logs: '/tmp/x' } });

  it('has one case-insensitive regex location per ingress path, the path verbatim, longest first (as ingress-nginx writes them)', () => {
    expect(ingress.metadata.annotations['nginx.ingress.kubernetes.io/use-regex']).toBe('true');
    const written = [...config.matchAll(/location ~\* "\^([^"]+)" \{\n\s+proxy_pass http:\/\/(\w+);/g)].map((m) => ({ path: m[1], upstream: m[2] }));
    const expected = [...ingressPaths].sort((a, b) => b.path.length - a.path.length);
    expect(written.map((w) => w.path)).toEqual(expected.map((e) => e.path));
    for (const [i, w] of written.entries()) expect(w.upstream).toBe(`backend_${expected[i].service.replace(/-/g, '_')}`);
  });

  it('keeps upstream connections alive and passes x-request-id through', () => {
    for (const service of new Set(ingressPaths.map((p) => p.service))) {
      expect(config).toMatch(new RegExp(`upstream backend_${service.replace(/-/g, '_')} \\{[^}]*keepalive \\d+;`));
    }
    expect(config).toMatch(/proxy_http_version 1\.1;/);
    expect(config).toMatch(/map \$http_x_request_id \$req_id \{ default \$http_x_request_id; "" \$request_id; \}/);
    expect(config).toMatch(/proxy_set_header X-Request-ID \$req_id;/);
  });

  it('passes nginx -t', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-conf-'));
    try {
      const file: string = gatewayLib.writeNginxConfig({ routes, targets, port: 40000, dirs: { run: dir, logs: dir } });
      expect(fs.readFileSync(file, 'utf8')).toContain(config.split('\n').find((l) => l.includes('location ~*')));
      const check = gatewayLib.testNginxConfig(file);
      expect(check.output).toBe('');
      expect(check.ok).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names only backends the local system runs (the two cannot drift apart)', () => {
    const local = new Set([...SERVICES, CLIENT].filter((s: { backend?: string }) => s.backend).map((s: { backend: string }) => s.backend));
    for (const r of routes) expect(local).toContain(r.service);
  });
});

describe('the gateway (real nginx)', () => {
  let backend: http.Server;
  let gateway: { close(): Promise<void> };
  let base: string;
  let dir: string;
  const seen: Array<{ url?: string; headers: http.IncomingHttpHeaders; service: string }> = [];
  const upstreamConnections: Record<string, number> = {};
  const upgraded: Array<{ destroy(): void }> = [];

  beforeAll(async () => {
    // One server, one port per backend: the port says which service was reached.
    backend = http.createServer((req, res) => {
      const service = (req.socket as net.Socket & { service?: string }).service ?? '?';
      seen.push({ url: req.url, headers: req.headers, service });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ service, url: req.url }));
    });
    backend.on('upgrade', (_req, socket) => {
      upgraded.push(socket);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (d: Buffer) => socket.write(d)); // echo
    });
    const listeners: net.Server[] = [];
    const targets: Record<string, string> = {};
    // auth, client and orders are up; tickets is down (nothing listens); payments has no local target.
    for (const service of ['auth-srv', 'client-srv', 'orders-srv']) {
      const l = net.createServer((socket) => {
        (socket as net.Socket & { service?: string }).service = service;
        upstreamConnections[service] = (upstreamConnections[service] ?? 0) + 1;
        backend.emit('connection', socket);
      });
      await new Promise<void>((r) => l.listen(0, '127.0.0.1', r));
      listeners.push(l);
      targets[service] = `http://127.0.0.1:${(l.address() as AddressInfo).port}`;
    }
    targets['tickets-srv'] = `http://127.0.0.1:${await freePort()}`;
    (backend as http.Server & { listeners2?: net.Server[] }).listeners2 = listeners;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gateway-'));
    const port = await freePort();
    gateway = await gatewayLib.startNginxGateway({ routes, targets, port, dirs: { run: dir, logs: dir } });
    base = `http://127.0.0.1:${port}`;
  });

  afterAll(async () => {
    await gateway?.close();
    for (const socket of upgraded) socket.destroy();
    backend.closeAllConnections();
    for (const l of (backend as http.Server & { listeners2?: net.Server[] }).listeners2 ?? []) l.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const serviceOf = async (url: string) => {
    const res = await fetch(`${base}${url}`);
    return res.status === 200 ? ((await res.json()) as { service: string }).service : res.status;
  };

  it('routes as the ingress does: longest first, case-insensitive, anchored at the start, query ignored, path unchanged', async () => {
    expect(await serviceOf('/api/users/currentuser')).toBe('auth-srv');
    expect(await serviceOf('/api/users')).toBe('auth-srv');
    expect(await serviceOf('/API/Users/currentuser')).toBe('auth-srv');
    expect(await serviceOf('/api/orders/123?x=1')).toBe('orders-srv');
    expect(seen[seen.length - 1].url).toBe('/api/orders/123?x=1');
    expect(await serviceOf('/')).toBe('client-srv');
    expect(await serviceOf('/tickets/new')).toBe('client-srv');
    expect(await serviceOf('/_next/static/chunk.js')).toBe('client-srv');
    expect(await serviceOf('/x/api/users')).toBe('client-srv');
    expect(await serviceOf('/?next=/api/users')).toBe('client-srv');
  });

  it('answers an /api path no service owns with the API 404, not the client', async () => {
    for (const url of ['/api/nothing-here', '/api', '/API/x?y=1']) {
      const res = await fetch(`${base}${url}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(await res.json()).toEqual({ errors: [{ message: 'Not Found' }] });
    }
  });

  it('keeps Host, sets the X-Forwarded headers, passes x-request-id through and makes one up when missing', async () => {
    await fetch(`${base}/api/users/currentuser`, { headers: { 'x-forwarded-proto': 'https', 'x-request-id': 'caller-id.1' } });
    let h = seen[seen.length - 1].headers;
    expect(h.host).toBe(new URL(base).host);
    expect(h['x-forwarded-proto']).toBe('http'); // what the gateway saw, not what the caller claimed
    expect(h['x-forwarded-host']).toBe(new URL(base).host);
    expect(h['x-forwarded-for']).toMatch(/127\.0\.0\.1/);
    expect(h['x-request-id']).toBe('caller-id.1');
    await fetch(`${base}/api/users/currentuser`);
    h = seen[seen.length - 1].headers;
    expect(h['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
  });

  it('reuses upstream connections: 40 client connections, a handful of upstream ones', async () => {
    const before = upstreamConnections['orders-srv'] ?? 0;
    for (let i = 0; i < 4; i++) {
      // fresh client connections each time (Connection: close), so only nginx can keep them
      await Promise.all(
        Array.from({ length: 10 }, () =>
          new Promise<void>((resolve, reject) => {
            http
              .get(`${base}/api/orders/${i}`, { agent: false, headers: { connection: 'close' } }, (res) => {
                res.resume();
                res.on('end', () => resolve());
              })
              .on('error', reject);
          }),
        ),
      );
    }
    const opened = (upstreamConnections['orders-srv'] ?? 0) - before;
    expect(opened).toBeGreaterThan(0);
    expect(opened).toBeLessThanOrEqual(10);
  });

  it('answers 503 in the error shape when the service is down, and 502 when it has no local target', async () => {
    const down = await fetch(`${base}/api/tickets`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ errors: [{ message: expect.stringContaining('tickets-srv') }] });
    const none = await fetch(`${base}/api/payments`, { method: 'POST', body: '{}' });
    expect(none.status).toBe(502);
    expect(await none.json()).toEqual({ errors: [{ message: expect.stringContaining('payments-srv') }] });
    // and it is still serving
    expect((await fetch(`${base}/`)).status).toBe(200);
  });

  it('answers a body over 1 MB with a 413 in the error shape', async () => {
    const res = await fetch(`${base}/api/users/signup`, { method: 'POST', body: 'x'.repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(await res.json()).toEqual({ errors: [{ message: 'Request body too large' }] });
  });

  /** One raw exchange: fetch cannot send TRACE, nor a request line nginx refuses to parse. */
  const exchange = (raw: string) =>
    new Promise<{ status: number; headers: Record<string, string>; body: string }>((resolve, reject) => {
      const socket = net.connect(Number(new URL(base).port), '127.0.0.1', () => socket.write(raw));
      let text = '';
      socket.on('data', (d) => (text += d.toString('latin1')));
      socket.on('error', reject);
      socket.on('close', () => {
        const end = text.indexOf('\r\n\r\n');
        const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
        const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) });
      });
    });
  const raw = (method: string, target: string, headers: Record<string, string> = {}) =>
    [`${method} ${target} HTTP/1.1`, 'Host: localhost', 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n');

  it.each([
    ['/api/tickets', 'GET, HEAD, POST'],
    ['/api/orders/6b16aadd68eadea299d014fa', 'GET, HEAD, DELETE'],
    ['/api/users/signin?x=1', 'POST'],
    ['/healthz', 'GET, HEAD'],
    ['/', 'GET, HEAD'],
  ])('answers TRACE %s (refused by nginx itself) with 405, Allow: %s from docs/openapi.yaml, in the error shape', async (target, allow) => {
    const res = await exchange(raw('TRACE', target));
    expect([res.status, res.headers.allow, res.headers['content-type']]).toEqual([405, allow, 'application/json; charset=utf-8']);
    expect(JSON.parse(res.body)).toEqual({ errors: [{ message: 'Method Not Allowed' }] });
  });

  it.each([
    ['a request line longer than the header buffers', 414, 'Request URI too long', raw('GET', `/api/tickets?q=${'a'.repeat(9000)}`)],
    ['a header longer than them', 431, 'Request headers too large', raw('GET', '/api/tickets', { 'X-Big': 'a'.repeat(9000) })],
    ['a cookie longer than them', 431, 'Request headers too large', raw('GET', '/api/users/currentuser', { Cookie: `session=${'a'.repeat(9000)}` })],
    ['a request line nginx cannot parse', 400, 'Bad request', 'GET /\x01 HTTP/1.1\r\nHost: localhost\r\n\r\n'],
  ])('answers %s with %i in the error shape', async (_what, status, message, request) => {
    const res = await exchange(request);
    expect([res.status, res.headers['content-type']]).toEqual([status, 'application/json; charset=utf-8']);
    expect(JSON.parse(res.body)).toEqual({ errors: [{ message }] });
    // and it is still serving
    expect((await fetch(`${base}/`)).status).toBe(200);
  });

  it('proxies websocket upgrades (Next dev reload)', async () => {
    const echoed = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${base}/_next/hmr`, {
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==' },
      });
      req.on('upgrade', (res, socket) => {
        expect(res.statusCode).toBe(101);
        socket.once('data', (d: Buffer) => {
          resolve(d.toString());
          socket.destroy();
        });
        socket.write('ping');
      });
      req.on('error', reject);
      req.end();
    });
    expect(echoed).toBe('ping');
  });
});
