import { Writable } from 'node:stream';
import { Request, Response, Router } from 'express';
import pino from 'pino';
import request from 'supertest';
import { REDACTED_PATHS } from '../logger';
import { requireAuth } from '../middlewares';
import { RateLimits } from '../rate-limit';
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

  it('refuses a POST with no Content-Type at all, and a DELETE whose body is not JSON', async () => {
    await request(app).post('/api/things').expect(415);
    await request(app).delete('/api/things/1').set('Content-Type', 'text/plain').send('x').expect(415);
  });

  it('lets a DELETE without a body and every GET through', async () => {
    await request(app).delete('/api/things/1').expect(204);
    await request(app).get('/healthz').expect(200);
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
