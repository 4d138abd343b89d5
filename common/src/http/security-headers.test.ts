import express from 'express';
import helmet from 'helmet';
import request from 'supertest';
import { securityHeaders } from './security-headers';

const appWith = (headers: express.RequestHandler) =>
  express()
    .use(headers)
    .get('/', (_req, res) => res.send({ ok: true }));

/** Everything but what changes per answer. */
const stable = (headers: Record<string, string>) => {
  const { date: _date, etag: _etag, ...rest } = headers;
  return rest;
};

describe('security headers computed once', () => {
  it('are exactly the headers helmet sets per request, x-powered-by removed', async () => {
    const perRequest = await request(appWith(helmet())).get('/').expect(200);
    const once = await request(appWith(securityHeaders())).get('/').expect(200);
    expect(stable(once.headers)).toEqual(stable(perRequest.headers));
    expect(once.headers['content-security-policy']).toMatch(/default-src 'self'/);
    expect(once.headers['x-powered-by']).toBeUndefined();
  });

  it('follow helmet options', async () => {
    const options = { frameguard: { action: 'deny' as const }, hsts: false };
    const perRequest = await request(appWith(helmet(options))).get('/').expect(200);
    const once = await request(appWith(securityHeaders(options))).get('/').expect(200);
    expect(stable(once.headers)).toEqual(stable(perRequest.headers));
    expect(once.headers['x-frame-options']).toBe('DENY');
    expect(once.headers['strict-transport-security']).toBeUndefined();
  });
});
