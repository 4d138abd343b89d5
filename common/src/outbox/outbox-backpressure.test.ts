import express from 'express';
import mongoose from 'mongoose';
import request from 'supertest';
import { Subjects } from '../events';
import { createServiceApp } from '../http/app';
import { logger } from '../logger';
import { InMemoryBus, useTestDatabase, waitFor } from '../testing';
import { OutboxRelay } from './outbox-relay';
import { outboxPlugin, saveWithEvent, WithOutbox } from './outbox';

useTestDatabase();

interface Stall extends WithOutbox {
  title: string;
}
const Stall = mongoose.model<Stall>('BackpressureStall', new mongoose.Schema<Stall>({ title: String }).plugin(outboxPlugin));

const BOUND = 3;

/** A service with one write that stages an event and one read, its relay at a small bound. */
function stallService(busyWaitMs = 300) {
  const bus = new InMemoryBus();
  const relay = new OutboxRelay(bus, [Stall], { maxBacklog: BOUND, busyWaitMs, publishWaitMs: 20, maxBackoffMs: 50 });
  const router = express.Router();
  router.post('/api/stalls', async (req, res) => {
    const stall = new Stall({ title: req.body.title });
    await saveWithEvent(stall, Subjects.TicketCreated, { id: stall.id, version: 0, title: req.body.title, price: 1, userId: 'u' });
    res.status(201).send({ id: stall.id });
  });
  router.get('/api/stalls', async (_req, res) => {
    res.send(await Stall.find({}, { title: 1 }).lean());
  });
  const app = createServiceApp({ routers: [router], readiness: { bus: () => bus.isConnected(), outbox: relay.readiness } });
  return { app, bus, relay };
}

const metric = async (app: express.Express) =>
  (await request(app).get('/metrics')).text.split('\n').find((l) => l.startsWith(`outbox_backpressure{collection="${Stall.collection.name}"}`));

describe('outbox back-pressure', () => {
  it('at the bound: readiness says why, the metric is 1, a warning is logged, writes wait then get 503 with Retry-After, reads go on', async () => {
    const { app, bus, relay } = stallService();
    const warn = jest.spyOn(logger, 'warn');
    bus.failPublishes = true;
    relay.start();
    try {
      await request(app).get('/readyz').expect(200);
      for (let i = 0; i < BOUND; i++) await request(app).post('/api/stalls').send({ title: `s${i}` }).expect(201);
      expect(relay.unpublished(Stall.collection.name)).toBe(BOUND);

      const ready = await request(app).get('/readyz').expect(503);
      expect(ready.body.checks).toMatchObject({ bus: true, outbox: expect.stringContaining('at its bound') });
      expect(await metric(app)).toMatch(/ 1$/);
      expect(warn.mock.calls.some(([, msg]) => typeof msg === 'string' && msg.includes('outbox backlog at its bound'))).toBe(true);

      const started = Date.now();
      const refused = await request(app).post('/api/stalls').send({ title: 'late' }).expect(503);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250); // held back first
      expect(refused.body).toEqual({ errors: [{ message: 'Service busy, try again' }] });
      expect(refused.headers['retry-after']).toBe('1');
      // Refused before it was written: nothing staged, nothing to publish later.
      expect(await Stall.countDocuments({ title: 'late' })).toBe(0);
      // Reads are never held back.
      const read = await request(app).get('/api/stalls').expect(200);
      expect(read.body).toHaveLength(BOUND);
    } finally {
      warn.mockRestore();
      await relay.stop();
    }
  });

  it('a write held back goes ahead once the backlog falls, and everything recovers when the broker is back', async () => {
    const { app, bus, relay } = stallService(5000);
    bus.failPublishes = true;
    relay.start();
    try {
      for (let i = 0; i < BOUND; i++) await request(app).post('/api/stalls').send({ title: `s${i}` }).expect(201);
      await request(app).get('/readyz').expect(503);
      // Sent while over the bound: it waits...
      const held = request(app).post('/api/stalls').send({ title: 'held' }).then((res) => res.status);
      await new Promise((r) => setTimeout(r, 200));
      expect(await Stall.countDocuments({ title: 'held' })).toBe(0);
      // ...and goes ahead once the relay drains the backlog.
      bus.failPublishes = false;
      expect(await held).toBe(201);
      await waitFor(() => bus.published.length === BOUND + 1);
      expect(relay.unpublished(Stall.collection.name)).toBe(0);
      await request(app).get('/readyz').expect(200);
      expect(await metric(app)).toMatch(/ 0$/);
      await request(app).post('/api/stalls').send({ title: 'after' }).expect(201);
      await waitFor(async () => (await Stall.countDocuments({ outboxPending: true })) === 0);
    } finally {
      await relay.stop();
    }
  });
});
