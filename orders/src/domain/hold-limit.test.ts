import request from 'supertest';
import { OrderStatus, Subjects } from '@ticketing/common';
import { listenTo, newId, recordAuditEvents, signin, useTestDatabase } from '@ticketing/common/testing';
import { Order } from '../data/order';
import { Ticket } from '../data/ticket';
import { createTicket, holderOf, testApp, testBus, testHolds, testRedis } from '../test/app';
import { isLapse, TOO_MANY_LAPSED, TOO_MANY_UNPAID } from './hold-limit';
import { completeOrder } from './orders';
import { listenersOf } from '../entry-points/listeners';

// Anti-hoarding against the real app and the real Redis. Where a test ends
// orders outside the app (a listener, a domain call), it gives them the
// app's hold limit, as index.ts does.

useTestDatabase();
const { bus } = testBus();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tickets = (n: number) => Promise.all(Array.from({ length: n }, () => createTicket()));
const statuses = (list: Array<{ status: number }>) => list.map((r) => r.status).sort();

describe('at most MAX_ACTIVE_ORDERS_PER_USER unpaid orders (default 3)', () => {
  it('refuses the fourth with 400 `You have too many unpaid orders`; another user is not affected', async () => {
    const app = testApp(bus);
    const me = signin({ id: newId() });
    const [t1, t2, t3, t4] = await tickets(4);
    for (const t of [t1, t2, t3]) await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: t.id }).expect(201);
    const res = await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: t4.id }).expect(400);
    expect(res.body).toEqual({ errors: [{ message: TOO_MANY_UNPAID }] });
    expect(await holderOf(t4.id)).toBeNull();
    await request(app).post('/api/orders').set('Cookie', signin({ id: newId() })).send({ ticketId: t4.id }).expect(201);
  });

  it('of 20 concurrent orders from one user on 20 tickets admits exactly 3', async () => {
    const app = testApp(bus);
    const userId = newId();
    const me = signin({ id: userId });
    const twenty = await tickets(20);
    const results = await Promise.all(twenty.map((t) => request(app).post('/api/orders').set('Cookie', me).send({ ticketId: t.id })));
    expect(statuses(results)).toEqual([201, 201, 201, ...Array(17).fill(400)]);
    for (const r of results.filter((x) => x.status === 400)) expect(r.body).toEqual({ errors: [{ message: TOO_MANY_UNPAID }] });
    expect(await Order.countDocuments({ userId, status: OrderStatus.Created })).toBe(3);
    expect(await Ticket.countDocuments({ available: 0 })).toBe(3);
  });

  it('holds across replicas: 20 concurrent orders split over two apps sharing Redis admit 3', async () => {
    const namespace = `${testRedis.namespace}:replicas`;
    const a = testApp(bus, {}, namespace);
    const b = testApp(bus, {}, namespace);
    const userId = newId();
    const me = signin({ id: userId });
    const twenty = await tickets(20);
    const results = await Promise.all(twenty.map((t, i) => request(i % 2 ? a : b).post('/api/orders').set('Cookie', me).send({ ticketId: t.id })));
    expect(statuses(results).filter((s) => s === 201)).toHaveLength(3);
    expect(await Order.countDocuments({ userId })).toBe(3);
  });

  it('gives the place back when the order fails (ticket already reserved, unknown ticket)', async () => {
    const app = testApp(bus);
    const me = signin({ id: newId() });
    const taken = await createTicket();
    await request(app).post('/api/orders').set('Cookie', signin()).send({ ticketId: taken.id }).expect(201);
    for (let i = 0; i < 4; i++) await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: taken.id }).expect(400);
    await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: newId() }).expect(404);
    for (const t of await tickets(3)) await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: t.id }).expect(201);
  });

  it('frees a place when an order is paid or cancelled', async () => {
    const holds = testHolds();
    const app = testApp(bus, {}, undefined, holds);
    const me = signin({ id: newId() });
    const ids: string[] = [];
    for (const t of await tickets(3)) ids.push((await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: t.id }).expect(201)).body.id);
    const [more1, more2, more3] = await tickets(3);
    await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: more1.id }).expect(400);

    expect(await completeOrder(ids[0], holds)).toBe('complete');
    await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: more1.id }).expect(201);
    await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: more2.id }).expect(400);

    await request(app).delete(`/api/orders/${ids[1]}`).set('Cookie', me).expect(204);
    await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: more2.id }).expect(201);
    await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: more3.id }).expect(400);
  });

  it('heals by itself: a hold whose release was lost stops counting at its expiresAt', async () => {
    const app = testApp(bus, { EXPIRATION_WINDOW_SECONDS: 1 });
    const me = signin({ id: newId() });
    for (const t of await tickets(3)) await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: t.id }).expect(201);
    const [next] = await tickets(1);
    await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: next.id }).expect(400);
    await sleep(1100); // no expiration:complete delivered: the releases never happened
    await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: next.id }).expect(201);
  });
});

describe('holds that keep lapsing unpaid (default: 5 in 24 h, then a 1-hour wait)', () => {
  it('makes the user wait after the fifth lapse: 429 with Retry-After; a redelivered expiration counts once', async () => {
    const { bus } = testBus();
    const holds = testHolds();
    await listenTo(listenersOf(bus, holds), Subjects.ExpirationComplete);
    const app = testApp(bus, { EXPIRATION_WINDOW_SECONDS: 1 }, undefined, holds);
    const userId = newId();
    const me = signin({ id: userId });
    const lapse = async (n: number) => {
      const ids: string[] = [];
      for (const t of await tickets(n)) ids.push((await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: t.id }).expect(201)).body.id);
      await sleep(1100);
      for (const orderId of ids) {
        await bus.deliver(Subjects.ExpirationComplete, { orderId });
        await bus.deliver(Subjects.ExpirationComplete, { orderId }, { deliveryCount: 2 });
      }
    };
    await lapse(3);
    await lapse(1); // four lapses (each delivered twice): still allowed
    await lapse(1); // the fifth
    const [next] = await tickets(1);
    const res = await request(app).post('/api/orders').set('Cookie', me).send({ ticketId: next.id }).expect(429);
    const retryAfter = Number(res.get('Retry-After'));
    expect(retryAfter).toBeGreaterThan(3500);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(res.body).toEqual({ errors: [{ message: `${TOO_MANY_LAPSED}, try again in 60 minutes` }] });
    expect(await holderOf(next.id)).toBeNull();
    // Someone else is not affected.
    await request(app).post('/api/orders').set('Cookie', signin({ id: newId() })).send({ ticketId: next.id }).expect(201);
  });

  it('counts a late cancel (after half the window) as a lapse, an early change of mind not', () => {
    const createdAt = new Date(0);
    const expiresAt = new Date(900_000);
    expect(isLapse({ userId: 'u', expiresAt, createdAt }, new Date(60_000))).toBe(false);
    expect(isLapse({ userId: 'u', expiresAt, createdAt }, new Date(450_000))).toBe(true);
    expect(isLapse({ userId: 'u', expiresAt, createdAt }, new Date(900_000))).toBe(true);
  });

  it('logs each refusal as an audit event with the user id and the request id', async () => {
    const audit = recordAuditEvents();
    try {
      const app = testApp(bus, { MAX_ACTIVE_ORDERS_PER_USER: 1 });
      const userId = newId();
      const [t1, t2] = await tickets(2);
      await request(app).post('/api/orders').set('Cookie', signin({ id: userId })).send({ ticketId: t1.id }).expect(201);
      await request(app).post('/api/orders').set('Cookie', signin({ id: userId })).send({ ticketId: t2.id }).expect(400);
      expect(audit.events()).toEqual([{ audit: 'hold.refused', userId, reason: 'too-many-unpaid', max: 1 }]);
    } finally {
      audit.restore();
    }
  });
});

describe('POST /api/orders per user per minute', () => {
  it('answers 429 with Retry-After past ORDERS_PER_USER_PER_MINUTE, counting concurrent requests', async () => {
    // Unknown tickets (404 after the replica wait); the hold limit raised so only the rate limit refuses.
    const app = testApp(bus, { ORDERS_PER_USER_PER_MINUTE: 5, MAX_ACTIVE_ORDERS_PER_USER: 100 });
    const me = signin({ id: newId() });
    const results = await Promise.all(Array.from({ length: 9 }, () => request(app).post('/api/orders').set('Cookie', me).send({ ticketId: newId() })));
    expect(statuses(results)).toEqual([404, 404, 404, 404, 404, 429, 429, 429, 429]);
    expect(Number(results.find((r) => r.status === 429)!.get('Retry-After'))).toBeGreaterThan(0);
    await request(app).post('/api/orders').set('Cookie', signin({ id: newId() })).send({ ticketId: newId() }).expect(404);
  });
});
