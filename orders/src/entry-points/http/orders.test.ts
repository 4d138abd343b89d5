import http from 'node:http';
import { AddressInfo } from 'node:net';
import mongoose from 'mongoose';
import request from 'supertest';
import { OrderStatus, Subjects } from '@ticketing/common';
import { newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Order, OrderDoc } from '../../data/order';
import { Ticket } from '../../data/ticket';
import { completeOrder } from '../../domain/orders';
import { createOrder, createTicket, holderOf, TEST_WINDOW_SECONDS, testApp, testBus, testHolds } from '../../test/app';

useTestDatabase();
const { bus, relay } = testBus();
const holds = testHolds();
const app = testApp(bus, {}, undefined, holds);

beforeEach(() => bus.clear());

const buy = (ticketId: unknown, cookie = signin()) =>
  request(app).post('/api/orders').set('Cookie', cookie).send({ ticketId });

describe('POST /api/orders', () => {
  it('requires a session', async () => {
    const ticket = await createTicket();
    const res = await request(app).post('/api/orders').send({ ticketId: ticket.id }).expect(401);
    expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
  });

  it.each([
    ['missing', {}],
    ['malformed', { ticketId: 'not-an-id' }],
    ['not a string', { ticketId: 12345 }],
    ['empty', { ticketId: '' }],
  ])('rejects a %s ticketId with a field error', async (_case, body) => {
    const res = await request(app).post('/api/orders').set('Cookie', signin()).send(body).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'TicketId must be provided', field: 'ticketId' }] });
    expect(await Order.countDocuments()).toBe(0);
  });

  it('waits briefly for a ticket whose ticket:created is still on its way', async () => {
    const id = newId();
    // The replica gets the ticket 200 ms after the service first looked for it.
    const findById = Ticket.findById.bind(Ticket);
    const lookup = jest.spyOn(Ticket, 'findById').mockImplementationOnce(((...args: Parameters<typeof findById>) => {
      setTimeout(() => void createTicket({ id }), 200);
      return findById(...args);
    }) as typeof Ticket.findById);
    try {
      const res = await buy(id).expect(201);
      expect(res.body.ticket.id).toBe(id);
      expect(lookup.mock.calls.length).toBeGreaterThan(1);
    } finally {
      lookup.mockRestore();
    }
  });

  it('answers 404 for a ticket it does not know', async () => {
    const res = await buy(newId()).expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });

  it('refuses to sell a ticket to its owner', async () => {
    const owner = newId();
    const ticket = await createTicket({ userId: owner });
    const res = await buy(ticket.id, signin({ id: owner })).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'You cannot buy your own ticket' }] });
    expect(await holderOf(ticket.id)).toBeNull();
    expect(await Order.countDocuments()).toBe(0);
  });

  it('creates the order, reserves the ticket and publishes order:created', async () => {
    const buyer = newId();
    const ticket = await createTicket({ title: 'Opera', price: 99.5 });
    const before = Date.now();
    const res = await buy(ticket.id, signin({ id: buyer })).expect(201);

    expect(res.body).toEqual({
      id: expect.any(String),
      status: 'created',
      userId: buyer,
      expiresAt: expect.any(String),
      ticket: { id: ticket.id, title: 'Opera', price: 99.5 },
      // Version 1 (no quantity): one seat; the fee by this service's settings, 10% + $0.50.
      quantity: 1,
      unitPrice: 99.5,
      fee: 10.45,
      total: 109.95,
      version: 0,
    });
    const expiresAt = new Date(res.body.expiresAt).getTime();
    expect(expiresAt).toBeGreaterThanOrEqual(before + TEST_WINDOW_SECONDS * 1000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + TEST_WINDOW_SECONDS * 1000);

    const replica = await Ticket.findById(ticket.id);
    expect(await holderOf(ticket.id)).toBe(res.body.id);
    expect(replica!.version).toBe(0); // the reservation is ours; the tickets service's version is untouched

    await relay.flush();
    expect(bus.publishedData(Subjects.OrderCreated)).toEqual([
      {
        id: res.body.id,
        version: 0,
        status: OrderStatus.Created,
        userId: buyer,
        expiresAt: res.body.expiresAt,
        ticket: { id: ticket.id, price: 99.5, userId: ticket.userId },
        quantity: 1,
        fee: 10.45,
        total: 109.95,
      },
    ]);
    expect((await Order.findById(res.body.id))!.outbox).toHaveLength(0);

    const shown = await request(app).get(`/api/orders/${res.body.id}`).set('Cookie', signin({ id: buyer })).expect(200);
    expect(shown.body).toEqual(res.body);
  });

  it('answers with the ticket it reserved, without reading the ticket again', async () => {
    const ticket = await createTicket({ title: 'Ballet', price: 12 });
    // populate would read it once more, by `{_id: {$in: [id]}}`.
    const finds = jest.spyOn(Ticket, 'find');
    try {
      const res = await buy(ticket.id).expect(201);
      expect(res.body.ticket).toEqual({ id: ticket.id, title: 'Ballet', price: 12 });
      expect(finds).not.toHaveBeenCalled();
    } finally {
      finds.mockRestore();
    }
  });

  it('takes the lock length from EXPIRATION_WINDOW_SECONDS', async () => {
    const shortApp = testApp(bus, { EXPIRATION_WINDOW_SECONDS: 60 });
    const ticket = await createTicket();
    const before = Date.now();
    const res = await request(shortApp).post('/api/orders').set('Cookie', signin()).send({ ticketId: ticket.id }).expect(201);
    const delta = new Date(res.body.expiresAt).getTime() - before;
    expect(delta).toBeGreaterThanOrEqual(60000);
    expect(delta).toBeLessThan(65000);
  });

  it('rejects a ticket another order holds, and publishes nothing for it', async () => {
    const ticket = await createTicket();
    const first = await buy(ticket.id).expect(201);
    await relay.flush();
    bus.clear();

    const res = await buy(ticket.id).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Ticket is already reserved' }] });
    expect(await Order.countDocuments()).toBe(1);
    expect(await holderOf(ticket.id)).toBe(first.body.id);
    await relay.flush();
    expect(bus.published).toHaveLength(0);
  });

  it('rejects a ticket whose order is complete (sold)', async () => {
    const ticket = await createTicket();
    const first = await buy(ticket.id).expect(201);
    await completeOrder(first.body.id, holds);
    const res = await buy(ticket.id).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Ticket is already reserved' }] });
  });

  it('lets another buyer reserve the ticket once the order is cancelled', async () => {
    const ticket = await createTicket();
    const firstBuyer = signin();
    const first = await buy(ticket.id, firstBuyer).expect(201);
    await request(app).delete(`/api/orders/${first.body.id}`).set('Cookie', firstBuyer).expect(204);

    const second = await buy(ticket.id).expect(201);
    expect(await holderOf(ticket.id)).toBe(second.body.id);
  });

  it('releases the reservation when writing the order fails', async () => {
    const ticket = await createTicket();
    const save = jest.spyOn(Order.prototype, 'save').mockRejectedValueOnce(new Error('database went away'));
    try {
      const res = await buy(ticket.id).expect(500);
      expect(res.body).toEqual({ errors: [{ message: 'Something went wrong' }] });
    } finally {
      save.mockRestore();
    }
    expect(await holderOf(ticket.id)).toBeNull();
    expect(await Order.countDocuments()).toBe(0);
    await buy(ticket.id).expect(201);
  });

  it('gives exactly one 201 to a storm of concurrent orders for one ticket', async () => {
    const STORM = 25;
    const ticket = await createTicket();
    // One real HTTP server, as in production; every request is a different user.
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const cookies = Array.from({ length: STORM }, () => signin());
      const results = await Promise.all(
        cookies.map((cookie) => request(url).post('/api/orders').set('Cookie', cookie).send({ ticketId: ticket.id })),
      );
      const created = results.filter((r) => r.status === 201);
      const rejected = results.filter(
        (r) => r.status === 400 && r.body.errors?.[0]?.message === 'Ticket is already reserved',
      );
      console.log(
        `reservation storm: ${STORM} concurrent POST /api/orders for one ticket -> ` +
          `${created.length} x 201, ${rejected.length} x 400 "Ticket is already reserved", ` +
          `${STORM - created.length - rejected.length} other`,
      );
      expect(created).toHaveLength(1);
      expect(rejected).toHaveLength(STORM - 1);

      expect(await Order.countDocuments()).toBe(1);
      expect(await holderOf(ticket.id)).toBe(created[0].body.id);
      await relay.flush();
      expect(bus.publishedData(Subjects.OrderCreated).map((e) => e.id)).toEqual([created[0].body.id]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('GET /api/orders', () => {
  it('requires a session', async () => {
    await request(app).get('/api/orders').expect(401);
  });

  it("returns only the caller's orders, newest first, each with its ticket", async () => {
    const me = newId();
    const t1 = await createTicket({ title: 'first', price: 10 });
    const t2 = await createTicket({ title: 'second', price: 20 });
    const t3 = await createTicket({ title: 'theirs', price: 30 });
    const o1 = await buy(t1.id, signin({ id: me })).expect(201);
    const o2 = await buy(t2.id, signin({ id: me })).expect(201);
    await buy(t3.id).expect(201);
    await request(app).delete(`/api/orders/${o1.body.id}`).set('Cookie', signin({ id: me })).expect(204);

    const res = await request(app).get('/api/orders').set('Cookie', signin({ id: me })).expect(200);
    expect(res.body).toEqual([
      { ...o2.body },
      { ...o1.body, status: 'cancelled', version: 1 },
    ]);
    expect(res.body[0].ticket).toEqual({ id: t2.id, title: 'second', price: 20 });
  });

  it('returns an empty list for someone without orders', async () => {
    const res = await request(app).get('/api/orders').set('Cookie', signin()).expect(200);
    expect(res.body).toEqual([]);
  });
});

describe('GET /api/orders/:id', () => {
  it('returns the order to its owner', async () => {
    const me = newId();
    const { order, ticket } = await createOrder({ userId: me });
    const res = await request(app).get(`/api/orders/${order.id}`).set('Cookie', signin({ id: me })).expect(200);
    expect(res.body).toEqual({
      id: order.id,
      status: 'created',
      userId: me,
      expiresAt: order.expiresAt.toISOString(),
      ticket: { id: ticket.id, title: ticket.title, price: ticket.price },
      quantity: 1,
      unitPrice: 20,
      fee: 2.5,
      total: 22.5,
      version: 0,
    });
  });

  it('requires a session', async () => {
    const { order } = await createOrder();
    await request(app).get(`/api/orders/${order.id}`).expect(401);
  });

  it('answers 401 to someone else', async () => {
    const { order } = await createOrder();
    const res = await request(app).get(`/api/orders/${order.id}`).set('Cookie', signin()).expect(401);
    expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
  });

  it.each([['an unknown', newId()], ['a malformed', 'nope']])('answers 404 for %s id', async (_case, id) => {
    const res = await request(app).get(`/api/orders/${id}`).set('Cookie', signin()).expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });
});

describe('DELETE /api/orders/:id', () => {
  const cancel = (id: string, cookie: string[]) => request(app).delete(`/api/orders/${id}`).set('Cookie', cookie);

  it('cancels the order, frees the ticket and publishes order:cancelled once', async () => {
    const me = newId();
    const { order, ticket } = await createOrder({ userId: me });
    await relay.flush();
    bus.clear();

    const res = await cancel(order.id, signin({ id: me })).expect(204);
    expect(res.body).toEqual({});
    const stored = await Order.findById(order.id);
    expect(stored!.status).toBe(OrderStatus.Cancelled);
    expect(stored!.version).toBe(1);
    expect(await holderOf(ticket.id)).toBeNull();
    await relay.flush();
    expect(bus.publishedData(Subjects.OrderCancelled)).toEqual([{ id: order.id, version: 1, ticket: { id: ticket.id }, quantity: 1 }]);

    // Again: 204, nothing changes, nothing is published.
    bus.clear();
    await cancel(order.id, signin({ id: me })).expect(204);
    const again = await Order.findById(order.id);
    expect(again!.status).toBe(OrderStatus.Cancelled);
    expect(again!.version).toBe(1);
    await relay.flush();
    expect(bus.published).toHaveLength(0);

    const shown = await request(app).get(`/api/orders/${order.id}`).set('Cookie', signin({ id: me })).expect(200);
    expect(shown.body).toMatchObject({ status: 'cancelled', version: 1 });
  });

  it('never cancels a completed order', async () => {
    const me = newId();
    const { order, ticket } = await createOrder({ userId: me });
    await completeOrder(order.id, holds);
    await relay.flush();
    bus.clear();

    const res = await cancel(order.id, signin({ id: me })).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Cannot cancel a completed order' }] });
    expect((await Order.findById(order.id))!.status).toBe(OrderStatus.Complete);
    expect(await holderOf(ticket.id)).toBe(order.id);
    await relay.flush();
    expect(bus.published).toHaveLength(0);
  });

  it('answers 409 when the order keeps changing under the cancel, and leaves it as it was', async () => {
    const me = newId();
    const { order } = await createOrder({ userId: me });
    const lostRace = jest.spyOn(Order.prototype, 'save').mockImplementation(function (this: OrderDoc) {
      return Promise.reject(new mongoose.Error.VersionError(this, 0, ['status']));
    });
    try {
      const res = await cancel(order.id, signin({ id: me })).expect(409);
      expect(res.body.errors).toHaveLength(1);
    } finally {
      lostRace.mockRestore();
    }
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Created, version: 0 });
  });

  it('does not free a ticket that a newer order holds', async () => {
    const me = newId();
    const ticket = await createTicket();
    const { order: old } = await createOrder({ ticket, userId: me });
    await cancel(old.id, signin({ id: me })).expect(204);
    const { order: newer } = await createOrder({ ticket });

    await cancel(old.id, signin({ id: me })).expect(204);
    expect(await holderOf(ticket.id)).toBe(newer.id);
  });

  it('answers 401 to someone else and leaves the order alone', async () => {
    const { order } = await createOrder();
    await cancel(order.id, signin()).expect(401);
    await request(app).delete(`/api/orders/${order.id}`).expect(401);
    expect((await Order.findById(order.id))!.status).toBe(OrderStatus.Created);
  });

  it.each([['an unknown', newId()], ['a malformed', 'nope']])('answers 404 for %s id', async (_case, id) => {
    const res = await cancel(id, signin()).expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });
});

describe('health and unknown routes', () => {
  it('answers /healthz and /readyz', async () => {
    await request(app).get('/healthz').expect(200);
    await request(app).get('/readyz').expect(200);
  });

  it('is not ready while the bus is down', async () => {
    bus.connected = false;
    try {
      const res = await request(app).get('/readyz').expect(503);
      expect(res.body.checks).toEqual({ mongo: true, bus: false });
    } finally {
      bus.connected = true;
    }
  });

  it('answers an unknown route with 404 Not Found', async () => {
    const res = await request(app).get('/api/orders/a/b').set('Cookie', signin()).expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });
});
