import express from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { Subjects } from '../events';
import { createServiceApp } from '../http/app';
import { outboxPlugin, OutboxRelay, saveWithEvent, WithOutbox } from '../outbox';
import { InMemoryBus, useTestDatabase } from '../testing';
import { observeJobLateness, observeQueue } from './metrics';
import { eventTelemetry } from './tracing';

useTestDatabase();

interface Seat extends WithOutbox {
  title: string;
}
const Seat = mongoose.model<Seat>('MetricsSeat', new mongoose.Schema<Seat>({ title: String }).plugin(outboxPlugin));

const buildApp = () => {
  const router = express.Router();
  router.get('/api/seats/:id', (req, res) => {
    res.status(req.params.id === 'missing' ? 404 : 200).send({ id: req.params.id });
  });
  return createServiceApp({ routers: [router] });
};

const series = (text: string, name: string) => text.split('\n').filter((l) => l.startsWith(name));

describe('GET /metrics', () => {
  it('is Prometheus text with request durations by route template and status', async () => {
    const app = buildApp();
    await request(app).get('/api/seats/a1').expect(200);
    await request(app).get('/api/seats/b2').expect(200);
    await request(app).get('/api/seats/missing').expect(404);
    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const counts = series(res.text, 'http_request_duration_seconds_count');
    expect(counts).toContainEqual('http_request_duration_seconds_count{method="GET",route="/api/seats/:id",status_code="200"} 2');
    expect(counts).toContainEqual('http_request_duration_seconds_count{method="GET",route="/api/seats/:id",status_code="404"} 1');
    // Raw paths (ids) never become labels.
    expect(res.text).not.toContain('a1');
    expect(series(res.text, 'process_cpu_seconds_total').length).toBe(1);
  });

  it('names every event series, and shows the outbox backlog and its oldest entry', async () => {
    const app = buildApp();
    const relay = new OutboxRelay(new InMemoryBus(eventTelemetry), [Seat]);
    const seat = new Seat({ title: 'a' });
    const data = { id: seat.id, version: 0, title: 'a', price: 1, userId: 'u' };
    await saveWithEvent(seat, Subjects.TicketCreated, data);
    await saveWithEvent(seat, Subjects.TicketUpdated, { ...data, version: 1 });
    await new Promise((r) => setTimeout(r, 1100));

    let text = (await request(app).get('/metrics').expect(200)).text;
    const collection = Seat.collection.name;
    expect(series(text, `outbox_backlog{collection="${collection}"}`)).toEqual([`outbox_backlog{collection="${collection}"} 2`]);
    const [age] = series(text, `outbox_oldest_entry_age_seconds{collection="${collection}"}`);
    expect(Number(age.split(' ')[1])).toBeGreaterThanOrEqual(1);
    for (const name of ['events_published_total', 'events_handled_total', 'events_redelivered_total', 'events_given_up_total', 'event_apply_lag_seconds']) {
      expect(text).toContain(`# TYPE ${name} `);
    }

    await relay.flush();
    text = (await request(app).get('/metrics').expect(200)).text;
    expect(series(text, `outbox_backlog{collection="${collection}"}`)).toEqual([`outbox_backlog{collection="${collection}"} 0`]);
    expect(series(text, 'events_published_total')).toContainEqual(`events_published_total{subject="${Subjects.TicketCreated}"} 1`);
  });

  it('shows job queue depth by state and the lateness of fired jobs', async () => {
    const app = buildApp();
    observeQueue({ name: 'test-queue', counts: async () => ({ delayed: 3, active: 1 }) });
    observeJobLateness('test-queue', Date.now() - 2000);
    const text = (await request(app).get('/metrics').expect(200)).text;
    expect(series(text, 'job_queue_depth{queue="test-queue",state="delayed"}')).toEqual(['job_queue_depth{queue="test-queue",state="delayed"} 3']);
    expect(series(text, 'job_lateness_seconds_count{queue="test-queue"}')).toEqual(['job_lateness_seconds_count{queue="test-queue"} 1']);
    expect(series(text, 'job_lateness_seconds_bucket{le="1",queue="test-queue"}')).toEqual(['job_lateness_seconds_bucket{le="1",queue="test-queue"} 0']);
  });
});
