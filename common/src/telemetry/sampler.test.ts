import { randomBytes } from 'node:crypto';
import { SpanKind } from '@opentelemetry/api';
import { ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { Request, Response, Router } from 'express';
import request from 'supertest';
import { createServiceApp } from '../http/app';
import { useInMemoryTracing } from '../testing';
import { DEFAULT_READ_SAMPLE_RATIO, ReadsSampledSampler, readSampleRatioFromEnv, samplerFromEnv } from './sampler';

/*
 * What the services' sampler keeps, through common's app as a service runs
 * it: every write and what it causes, reads only by their share (none here:
 * the ratio is 0), and a caller's decision over both.
 */

const { exporter, tracer: work } = useInMemoryTracing({ sampler: new ParentBasedSampler({ root: new ReadsSampledSampler(0) }) });
afterEach(() => exporter.reset());

const router = Router();
router.get('/api/seats/:id', (req: Request, res: Response) => {
  work.startSpan('read seat').end();
  res.send({ id: req.params.id });
});
router.post('/api/seats', (req: Request, res: Response) => {
  work.startSpan('create seat').end();
  res.status(201).send(req.body);
});
const app = createServiceApp({ routers: [router] });

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const names = () => exporter.getFinishedSpans().map((s) => s.name);

describe('the services’ sampler', () => {
  it('keeps every write with its work, and says so in traceresponse', async () => {
    const res = await request(app).post('/api/seats').send({ title: 'x' }).expect(201);
    expect(names().sort()).toEqual(['POST /api/seats', 'create seat']);
    expect(res.get('traceresponse')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('drops a read outside its share, with the work under it, and names no trace to open', async () => {
    const res = await request(app).get('/api/seats/a1').expect(200);
    expect(names()).toEqual([]);
    expect(res.get('traceresponse')).toBeUndefined();
  });

  it('follows a caller that traces: its sampled read is kept, its unsampled write is not', async () => {
    await request(app).get('/api/seats/a1').set('traceparent', `00-${TRACE_ID}-00f067aa0ba902b7-01`).expect(200);
    expect(names().sort()).toEqual(['GET /api/seats/:id', 'read seat']);
    exporter.reset();
    await request(app).post('/api/seats').set('traceparent', `00-${TRACE_ID}-00f067aa0ba902b7-00`).send({}).expect(201);
    expect(names()).toEqual([]);
  });

  it('keeps spans that are not requests (events, jobs) whatever the read share', () => {
    for (const kind of [SpanKind.CONSUMER, SpanKind.PRODUCER, SpanKind.INTERNAL]) {
      work.startSpan('handle', { kind }).end();
    }
    expect(names()).toEqual(['handle', 'handle', 'handle']);
  });

  it('keeps reads by their share of trace ids', () => {
    const sampler = new ReadsSampledSampler(0.5);
    const ids = Array.from({ length: 2000 }, () => randomBytes(16).toString('hex'));
    const kept = ids.filter((id) => sampler.shouldSample({} as never, id, 'GET', SpanKind.SERVER, { 'http.request.method': 'GET' }, []).decision !== 0).length;
    expect(kept / ids.length).toBeGreaterThan(0.4);
    expect(kept / ids.length).toBeLessThan(0.6);
  });
});

describe('TRACES_READ_SAMPLE_RATIO', () => {
  it('defaults to a tenth, takes 0..1, and refuses anything else', () => {
    expect(readSampleRatioFromEnv({})).toBe(DEFAULT_READ_SAMPLE_RATIO);
    expect(DEFAULT_READ_SAMPLE_RATIO).toBe(0.1);
    expect(readSampleRatioFromEnv({ TRACES_READ_SAMPLE_RATIO: '1' })).toBe(1);
    expect(readSampleRatioFromEnv({ TRACES_READ_SAMPLE_RATIO: '0' })).toBe(0);
    for (const bad of ['1.5', '-0.1', 'all', 'NaN']) {
      expect(() => readSampleRatioFromEnv({ TRACES_READ_SAMPLE_RATIO: bad })).toThrow(/TRACES_READ_SAMPLE_RATIO must be a number from 0 to 1/);
    }
  });

  it('gives way to the standard OTEL_TRACES_SAMPLER', () => {
    expect(samplerFromEnv({ OTEL_TRACES_SAMPLER: 'always_on' })).toBeUndefined();
    expect(String(samplerFromEnv({}))).toContain('ReadsSampledSampler{reads=0.1}');
  });
});
