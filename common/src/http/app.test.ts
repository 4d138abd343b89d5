import express, { Request, Response, Router } from 'express';
import { body } from 'express-validator';
import mongoose from 'mongoose';
import request from 'supertest';
import { BadRequestError } from '../errors';
import { requireAuth, validateIdParam, validateRequest } from '../middlewares';
import { signin, TEST_JWT_KEY } from '../testing';
import { accessLogger } from '../logger';
import { createServiceApp, lifecycle } from './app';

const router = Router();
router.get('/api/things/private', requireAuth, (req: Request, res: Response) => {
  res.send({ user: req.currentUser!.email });
});
router.get('/api/things/:id', validateIdParam(), (req: Request, res: Response) => {
  res.send({ id: req.params.id });
});
router.post(
  '/api/things',
  [body('title').notEmpty().withMessage('Title is required'), body('price').isFloat({ gt: 0 }).withMessage('Price must be greater than 0')],
  validateRequest,
  (_req: Request, res: Response) => {
    res.status(201).send({});
  },
);
router.get('/api/things-bad', () => {
  throw new BadRequestError('Nope');
});
router.get('/api/things-crash', async () => {
  throw new Error('secret internal detail');
});
router.get('/api/things-cast', async () => {
  throw new mongoose.Error.CastError('ObjectId', 'zzz', 'ticketId');
});

let ready = true;
const app = createServiceApp({
  routers: [router],
  readiness: { db: () => ready },
  session: { jwtKey: TEST_JWT_KEY, secureCookie: false },
});

describe('the common service app', () => {
  it('answers the contract error shape for a thrown CustomError', async () => {
    const res = await request(app).get('/api/things-bad').expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Nope' }] });
  });

  it('gives one entry per failing field', async () => {
    const res = await request(app).post('/api/things').send({ price: -1 }).expect(400);
    expect(res.body).toEqual({
      errors: [
        { message: 'Title is required', field: 'title' },
        { message: 'Price must be greater than 0', field: 'price' },
      ],
    });
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const res = await request(app).post('/api/things').set('Content-Type', 'application/json').send('{oops').expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Request body is not valid JSON' }] });
  });

  it('answers a malformed %-escape in the path with 404, not 500', async () => {
    for (const path of ['/api/things/%E0%A4%A', '/api/things/%ZZ']) {
      expect((await request(app).get(path).expect(404)).body).toEqual({ errors: [{ message: 'Not Found' }] });
    }
  });

  it('answers a body that is not what its Content-Encoding says with 400, not 500', async () => {
    for (const encoding of ['gzip', 'deflate']) {
      const res = await request(app)
        .post('/api/things')
        .set('Content-Type', 'application/json')
        .set('Content-Encoding', encoding)
        .send('{"title":"x","price":1}')
        .expect(400);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0].message).toEqual(expect.any(String));
    }
  });

  it('answers a malformed id in the path with 404 and in a query/body with 400', async () => {
    expect((await request(app).get('/api/things/not-an-id').expect(404)).body).toEqual({
      errors: [{ message: 'Not Found' }],
    });
    await request(app).get(`/api/things/${new mongoose.Types.ObjectId().toHexString()}`).expect(200);
    expect((await request(app).get('/api/things-cast').expect(400)).body.errors[0].field).toBe('ticketId');
  });

  it('hides internals of a real fault behind 500 Something went wrong, with a request id', async () => {
    const res = await request(app).get('/api/things-crash').expect(500);
    expect(res.body).toEqual({ errors: [{ message: 'Something went wrong' }] });
    expect(JSON.stringify(res.body)).not.toContain('secret');
    expect(res.get('x-request-id')).toMatch(/^[\w-]+$/);
  });

  it('keeps a sane incoming request id', async () => {
    const res = await request(app).get('/api/nothing').set('x-request-id', 'abc-123');
    expect(res.get('x-request-id')).toBe('abc-123');
  });

  it('sends no ETag (answers are per user and change with the next write)', async () => {
    const res = await request(app).get('/api/things/5f0c5d2b9d3e2a1b2c3d4e5f').expect(200);
    expect(res.get('etag')).toBeUndefined();
  });

  it('answers unknown routes with 404 Not Found', async () => {
    expect((await request(app).delete('/api/nothing').expect(404)).body).toEqual({ errors: [{ message: 'Not Found' }] });
  });

  it('requires a session where asked: 401 Not authorized, then the user', async () => {
    expect((await request(app).get('/api/things/private').expect(401)).body).toEqual({
      errors: [{ message: 'Not authorized' }],
    });
    const res = await request(app).get('/api/things/private').set('Cookie', signin({ email: 'a@b.co' })).expect(200);
    expect(res.body).toEqual({ user: 'a@b.co' });
  });

  it('reports readiness from its checks and fails it while shutting down', async () => {
    await request(app).get('/readyz').expect(200);
    ready = false;
    expect((await request(app).get('/readyz').expect(503)).body.checks).toEqual({ db: false });
    ready = true;
    lifecycle.shuttingDown = true;
    await request(app).get('/readyz').expect(503);
    lifecycle.shuttingDown = false;
    await request(app).get('/healthz').expect(200);
  });

  it('gives raw-body routers the body as sent (any content type), with headers, request ids and the error shape', async () => {
    const raw = Router().post('/api/hooks', express.raw({ type: () => true }), (req: Request, res: Response) => {
      if (!Buffer.isBuffer(req.body) || req.body.length === 0) throw new BadRequestError('Empty hook');
      res.send({ bytes: req.body.length, text: req.body.toString('utf8') });
    });
    const hooks = createServiceApp({ routers: [router], rawBodyRouters: [raw] });
    const sent = '{"b": 1,  "a":2}';
    const res = await request(hooks).post('/api/hooks').set('Content-Type', 'application/json').send(sent).expect(200);
    expect(res.body).toEqual({ bytes: sent.length, text: sent });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-request-id']).toEqual(expect.any(String));
    await request(hooks).post('/api/hooks').set('Content-Type', 'text/plain').send('x').expect(200);
    expect((await request(hooks).post('/api/hooks').expect(400)).body).toEqual({ errors: [{ message: 'Empty hook' }] });
    // The JSON-only rule still holds everywhere else.
    await request(hooks).post('/api/things').set('Content-Type', 'text/plain').send('x').expect(415);
  });
});

describe('the access log', () => {
  it('writes one line per request with method, URL, status, time and the request id, and never the headers', async () => {
    const lines: Array<{ obj: Record<string, any>; msg: string }> = [];
    const level = accessLogger.level;
    accessLogger.level = 'info';
    const spy = jest.spyOn(accessLogger, 'info').mockImplementation(((obj: Record<string, any>, msg: string) => {
      lines.push({ obj, msg });
    }) as never);
    try {
      await request(app).get('/api/things/private').set('Cookie', signin()).set('x-request-id', 'log-test-1').expect(200);
      await request(app).get('/healthz').expect(200);
      await new Promise((r) => setImmediate(r));
      const access = lines.filter((l) => l.msg === 'request completed');
      expect(access).toHaveLength(1);
      expect(access[0].obj).toEqual({
        requestId: 'log-test-1',
        req: { method: 'GET', url: '/api/things/private' },
        res: { statusCode: 200 },
        responseTime: expect.any(Number),
      });
      expect(JSON.stringify(access[0].obj)).not.toMatch(/session|cookie/i);
    } finally {
      spy.mockRestore();
      accessLogger.level = level;
    }
  });
});
