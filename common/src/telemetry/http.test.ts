import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { Request, Response, Router } from 'express';
import request from 'supertest';
import { createServiceApp } from '../http/app';
import { useInMemoryTracing } from '../testing';

/*
 * Each request's SERVER span comes from common's app (not from the http
 * instrumentation): named by the route template, a child of the caller's
 * W3C context, the parent of the request's own work also after the body is
 * read and after an await, with the answer's status; probes and scrapes
 * untraced; the traceresponse header names it.
 */

const { exporter, tracer: work } = useInMemoryTracing();
afterEach(() => exporter.reset());

const inChildSpan = (name: string) => work.startSpan(name).end();
const router = Router();
router.get('/api/seats/:id', async (req: Request, res: Response) => {
  await new Promise((r) => setTimeout(r, 5));
  inChildSpan('read seat');
  res.send({ id: req.params.id });
});
router.post('/api/seats', (req: Request, res: Response) => {
  inChildSpan('create seat');
  res.status(201).send(req.body);
});
router.get('/api/seats-crash', async () => {
  throw new Error('boom');
});
const app = createServiceApp({ routers: [router] });

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const spans = () => exporter.getFinishedSpans();
const serverSpans = () => spans().filter((s) => s.kind === SpanKind.SERVER);

describe('the SERVER span of a request', () => {
  it('is named by the route template, continues the caller’s trace and parents the request’s work', async () => {
    const res = await request(app).get('/api/seats/a1b2').set('traceparent', `00-${TRACE_ID}-${CALLER_SPAN}-01`).expect(200);
    const [server] = serverSpans();
    expect(server.name).toBe('GET /api/seats/:id');
    expect(server.spanContext().traceId).toBe(TRACE_ID);
    expect(server.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(server.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.route': '/api/seats/:id', 'http.response.status_code': 200, 'url.path': '/api/seats/a1b2' });
    const child = spans().find((s) => s.name === 'read seat')!;
    expect(child.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(res.get('traceresponse')).toBe(`00-${TRACE_ID}-${server.spanContext().spanId}-01`);
  });

  it('is still the parent after the JSON body was read; a request without a caller starts its own trace', async () => {
    await request(app).post('/api/seats').send({ title: 'x' }).expect(201);
    const [server] = serverSpans();
    expect(server.name).toBe('POST /api/seats');
    expect(server.parentSpanContext).toBeUndefined();
    expect(spans().find((s) => s.name === 'create seat')!.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
  });

  it('is an error for a 500, names unknown paths by the catch-all, and is not made for probes and scrapes', async () => {
    await request(app).get('/api/seats-crash').expect(500);
    await request(app).get('/api/nowhere/42').expect(404);
    await request(app).get('/healthz').expect(200);
    await request(app).get('/readyz').expect(200);
    await request(app).get('/metrics').expect(200);
    const [crash, unmatched] = serverSpans();
    expect(serverSpans()).toHaveLength(2);
    expect([crash.name, crash.status.code, crash.attributes['http.response.status_code']]).toEqual(['GET /api/seats-crash', SpanStatusCode.ERROR, 500]);
    expect([unmatched.name, unmatched.status.code]).toEqual(['GET *', SpanStatusCode.UNSET]); // the catch-all's template
  });
});
