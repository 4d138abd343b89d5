import { Writable } from 'node:stream';
import { Request, Response, Router } from 'express';
import pino from 'pino';
import request from 'supertest';
import { REDACTED_PATHS } from '../logger';
import { requireAuth } from '../middlewares';
import { clientAddressKey, RateLimits } from '../rate-limit';
import { signin, TEST_JWT_KEY, useTestRedis } from '../testing';
import { createServiceApp } from './app';

const redis = useTestRedis();

const router = Router();
router.post('/api/things', (req: Request, res: Response) => {
  res.status(201).send({ got: req.body });
});
router.delete('/api/things/:id', (_req: Request, res: Response) => {
  res.status(204).send();
});

const app = createServiceApp({ routers: [router], session: { jwtKey: TEST_JWT_KEY, secureCookie: false } });

describe('security headers (helmet) on every answer', () => {
  it.each([['/healthz'], ['/api/nowhere']])('%s', async (path) => {
    const res = await request(app).get(path);
    expect(res.get('X-Content-Type-Options')).toBe('nosniff');
    expect(res.get('X-Frame-Options')).toBe('SAMEORIGIN');
    expect(res.get('Content-Security-Policy')).toMatch(/default-src 'self'/);
    expect(res.get('Strict-Transport-Security')).toMatch(/max-age=\d+/);
    expect(res.get('Referrer-Policy')).toBe('no-referrer');
    expect(res.get('X-Powered-By')).toBeUndefined();
  });
});

describe('state-changing requests must be JSON', () => {
  it('accepts application/json (with a charset too)', async () => {
    await request(app).post('/api/things').send({ a: 1 }).expect(201, { got: { a: 1 } });
    await request(app).post('/api/things').set('Content-Type', 'application/json; charset=utf-8').send('{"a":2}').expect(201);
  });

  it.each([
    ['application/x-www-form-urlencoded', 'a=1'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--'],
    ['text/plain', '{"a":1}'],
  ])('refuses %s (what a cross-site form can send) with 415 in the error shape', async (type, body) => {
    const res = await request(app).post('/api/things').set('Content-Type', type).send(body).expect(415);
    expect(res.body).toEqual({ errors: [{ message: 'Content-Type must be application/json' }] });
  });

  it('refuses a body with no Content-Type, an empty form post, and a DELETE whose body is not JSON', async () => {
    await request(app).post('/api/things').set('Content-Length', '7').send(Buffer.from('{"a":1}')).unset('Content-Type').expect(415);
    await request(app).post('/api/things').set('Content-Type', 'application/x-www-form-urlencoded').expect(415);
    await request(app).delete('/api/things/1').set('Content-Type', 'text/plain').send('x').expect(415);
  });

  it('lets a request with neither body nor type (a sign-out, a DELETE), an empty JSON body and every GET through', async () => {
    await request(app).post('/api/things').expect(201, { got: {} });
    await request(app).post('/api/things').set('Content-Type', 'application/json').expect(201, { got: {} });
    await request(app).delete('/api/things/1').expect(204);
    await request(app).get('/healthz').expect(200);
  });
});

describe('the client address behind the proxies (TRUST_PROXY_HOPS)', () => {
  const whoRouter = Router().get('/api/who', (req: Request, res: Response) => {
    res.send({ ip: req.ip });
  });
  const appWithHops = (hops?: string) => {
    const saved = process.env.TRUST_PROXY_HOPS;
    if (hops === undefined) delete process.env.TRUST_PROXY_HOPS;
    else process.env.TRUST_PROXY_HOPS = hops;
    try {
      return createServiceApp({ routers: [whoRouter] });
    } finally {
      if (saved === undefined) delete process.env.TRUST_PROXY_HOPS;
      else process.env.TRUST_PROXY_HOPS = saved;
    }
  };
  // What a client wrote, then what each proxy appended (the nearest last).
  const forwarded = '6.6.6.6, 203.0.113.7, 10.0.0.2';

  it('takes the address one hop in by default: what a client writes further left is ignored', async () => {
    await request(appWithHops()).get('/api/who').set('X-Forwarded-For', forwarded).expect(200, { ip: '10.0.0.2' });
  });

  it('takes it as many hops in as configured (a load balancer in front of the ingress: 2)', async () => {
    await request(appWithHops('2')).get('/api/who').set('X-Forwarded-For', forwarded).expect(200, { ip: '203.0.113.7' });
    const none = await request(appWithHops('0')).get('/api/who').set('X-Forwarded-For', forwarded).expect(200);
    expect(none.body.ip).not.toBe('10.0.0.2'); // the socket's own address
  });

  it('refuses a malformed setting at start, naming it', () => {
    expect(() => appWithHops('many')).toThrow(/TRUST_PROXY_HOPS/);
  });
});

describe('the per-address key (clientAddressKey)', () => {
  it('keeps IPv4, writes IPv4-mapped IPv6 as IPv4, and groups IPv6 by its /64', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:DB8:1:2::ffff')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(clientAddressKey('::1')).toBe('::/64');
    expect(clientAddressKey(undefined)).toBe('unknown');
    expect(clientAddressKey('not an address')).toBe('not an address');
  });
});

describe('per-user limit (RateLimits.perUser) on real Redis', () => {
  const limits = new RateLimits(redis.client, `${redis.namespace}:per-user`);
  const limited = Router();
  limited.post('/api/limited', requireAuth, limits.perUser('things', { points: 5, windowSeconds: 60 }), (_req: Request, res: Response) => {
    res.status(201).send({});
  });
  const limitedApp = createServiceApp({ routers: [limited], session: { jwtKey: TEST_JWT_KEY, secureCookie: false } });

  it('answers 429 with Retry-After past the limit, also for concurrent requests, per user', async () => {
    const me = signin({ id: '5f0000000000000000000001' });
    const results = await Promise.all(Array.from({ length: 12 }, () => request(limitedApp).post('/api/limited').set('Cookie', me).send({})));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    const refused = results.find((r) => r.status === 429)!;
    const retryAfter = Number(refused.get('Retry-After'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toEqual({ errors: [{ message: `Too many requests, try again in ${retryAfter} second${retryAfter === 1 ? '' : 's'}` }] });
    // Someone else is not affected.
    await request(limitedApp).post('/api/limited').set('Cookie', signin({ id: '5f0000000000000000000002' })).send({}).expect(201);
  });

  it('still limits (in process) while Redis is unreachable', async () => {
    const Redis = (await import('ioredis')).default;
    const dead = new Redis({ host: '127.0.0.1', port: 1, enableOfflineQueue: false, maxRetriesPerRequest: 0, lazyConnect: true });
    dead.on('error', () => undefined);
    const offline = new RateLimits(dead, 'offline').limit('x', { points: 2, windowSeconds: 60 });
    await offline.consume('k');
    await offline.consume('k');
    await expect(offline.consume('k')).rejects.toMatchObject({ statusCode: 429 });
    dead.disconnect();
  });
});

describe('log redaction', () => {
  it('never writes cookies, authorization headers, card tokens, passwords or Stripe keys', () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += chunk;
        done();
      },
    });
    const log = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    log.info({
      req: { headers: { cookie: 'session=SECRETCOOKIE', authorization: 'Bearer SECRETBEARER' } },
      res: { headers: { 'set-cookie': 'session=SECRETSET' } },
      token: 'tok_SECRETCARD',
      body: { token: 'tok_SECRETBODY', password: 'SECRETPASS' },
      config: { STRIPE_KEY: 'sk_test_SECRETKEY' },
      jwt: 'eyJSECRETJWT',
    });
    expect(out).not.toMatch(/SECRET/);
    expect(out).toContain('[redacted]');
  });
});

describe('a known path asked with a method it does not answer', () => {
  const methodError = { errors: [{ message: 'Method Not Allowed' }] };

  it.each([
    ['PATCH', '/api/things', 'POST'],
    ['PUT', '/api/things/1', 'DELETE'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['DELETE', '/readyz', 'GET, HEAD'],
    ['PATCH', '/metrics', 'GET, HEAD'],
  ])('%s %s: 405 in the error shape with Allow: %s', async (method, path, allow) => {
    const res = await request(app)[method.toLowerCase() as 'patch'](path).expect(405);
    expect(res.get('Allow')).toBe(allow);
    expect(res.body).toEqual(methodError);
  });

  it('answers before the JSON-only rule, the session and the body parser', async () => {
    const res = await request(app).put('/api/things').set('Content-Type', 'text/plain').send('not json').expect(405);
    expect(res.body).toEqual(methodError);
    const guarded = createServiceApp({ routers: [Router().get('/api/mine', requireAuth, (_req, res) => res.send([]))], session: { jwtKey: TEST_JWT_KEY, secureCookie: false } });
    await request(guarded).delete('/api/mine').expect(405);
    await request(guarded).get('/api/mine').expect(401);
  });

  it('takes the methods of the first route pattern a path reaches (a fixed path before a parameter)', async () => {
    const shadowed = createServiceApp({
      routers: [Router().get('/api/items/mine', (_req, res) => res.send([])), Router().get('/api/items/:id', (_req, res) => res.send({})).put('/api/items/:id', (_req, res) => res.send({}))],
    });
    expect((await request(shadowed).put('/api/items/mine').expect(405)).get('Allow')).toBe('GET, HEAD');
    expect((await request(shadowed).options('/api/items/7').expect(204)).get('Allow')).toBe('GET, HEAD, PUT');
  });

  it('answers OPTIONS with 204 and Allow, HEAD where GET is served, and an unknown path with 404', async () => {
    const options = await request(app).options('/api/things/1').expect(204);
    expect(options.get('Allow')).toBe('DELETE');
    await request(app).head('/healthz').expect(200);
    await request(app).patch('/api/elsewhere').expect(404);
  });
});
