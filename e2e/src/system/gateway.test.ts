// The one-machine gateway routes as the Kubernetes ingress does, because it
// reads infra/k8s/ingress-srv.yaml. Fast checks, no system needed.
import http from 'http';
import { AddressInfo } from 'net';

// eslint-disable-next-line @typescript-eslint/no-var-requires
const { loadIngressRoutes, matchRoute, createGateway } = require('../../../scripts/gateway.js');
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { SERVICES, CLIENT } = require('../../../scripts/system.js');

type Route = { path: string; service: string };

const routes: Route[] = loadIngressRoutes();
const serviceFor = (url: string) => (matchRoute(routes, url) as Route | undefined)?.service;

describe('routes read from infra/k8s/ingress-srv.yaml', () => {
  it('sends the API to its services and everything else to the client', () => {
    expect(serviceFor('/api/users/currentuser')).toBe('auth-srv');
    expect(serviceFor('/api/users/signup')).toBe('auth-srv');
    expect(serviceFor('/api/tickets')).toBe('tickets-srv');
    expect(serviceFor('/api/tickets/mine?x=1')).toBe('tickets-srv');
    expect(serviceFor('/api/orders/123')).toBe('orders-srv');
    expect(serviceFor('/api/payments')).toBe('payments-srv');
    expect(serviceFor('/')).toBe('client-srv');
    expect(serviceFor('/tickets/new')).toBe('client-srv');
    expect(serviceFor('/_next/static/chunk.js')).toBe('client-srv');
  });

  it('matches like ingress-nginx regex locations: longest first, case-insensitive, anchored at the start, query ignored', () => {
    const lengths = routes.map((r) => r.path.length);
    expect(lengths).toEqual([...lengths].sort((a, b) => b - a));
    expect(serviceFor('/API/Users/currentuser')).toBe('auth-srv');
    expect(serviceFor('/x/api/users')).toBe('client-srv');
    expect(serviceFor('/?next=/api/users')).toBe('client-srv');
  });

  it('names only backends the local system runs (the two cannot drift apart)', () => {
    const local = new Set([...SERVICES, CLIENT].filter((s: { backend?: string }) => s.backend).map((s: { backend: string }) => s.backend));
    for (const r of routes) expect(local).toContain(r.service);
  });
});

describe('the gateway', () => {
  let backend: http.Server;
  let gateway: http.Server;
  let base: string;
  const seen: http.IncomingHttpHeaders[] = [];
  const upgraded: Array<{ destroy(): void }> = [];

  beforeAll(async () => {
    backend = http.createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ url: req.url }));
    });
    backend.on('upgrade', (_req, socket) => {
      upgraded.push(socket);
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (d: Buffer) => socket.write(d)); // echo
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    const backendUrl = `http://127.0.0.1:${(backend.address() as AddressInfo).port}`;
    gateway = createGateway({
      routes,
      // auth is up, tickets is down (nothing listens on port 1), payments has no local target
      targets: { 'auth-srv': backendUrl, 'client-srv': backendUrl, 'tickets-srv': 'http://127.0.0.1:1' },
    });
    await new Promise<void>((r) => gateway.listen(0, r));
    base = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((r) => gateway.close(r));
    backend.closeAllConnections();
    for (const socket of upgraded) socket.destroy();
    await new Promise((r) => backend.close(r));
  });

  it('proxies the path unchanged, keeps Host and sets the X-Forwarded headers', async () => {
    const res = await fetch(`${base}/api/users/currentuser?a=1`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ url: '/api/users/currentuser?a=1' });
    const h = seen[seen.length - 1];
    expect(h.host).toBe(new URL(base).host);
    expect(h['x-forwarded-proto']).toBe('http'); // what the gateway saw, not what the caller claimed
    expect(h['x-forwarded-host']).toBe(new URL(base).host);
    expect(h['x-forwarded-for']).toMatch(/127\.0\.0\.1/);
    expect(h['x-request-id']).toMatch(/^[\w.:-]+$/);
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
