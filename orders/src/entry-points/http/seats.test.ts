// Orders of several seats (SPEC "Orders of several seats"): quantity, the
// frozen total, every refusal, the seat counter under concurrent requests.
import http from 'node:http';
import { AddressInfo } from 'node:net';
import request from 'supertest';
import { EventCategory, EventStatus, OrderStatus, SplitRule, Subjects } from '@ticketing/common';
import { listenTo, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Order } from '../../data/order';
import { Ticket, TicketAttrs } from '../../data/ticket';
import { completeOrder } from '../../domain/orders';
import { createTicket, testApp, testBus, testHolds } from '../../test/app';
import { listenersOf } from '../listeners';

useTestDatabase();
const { bus, relay } = testBus();
const holds = testHolds();
const app = testApp(bus, {}, undefined, holds);

beforeAll(() =>
  listenTo(listenersOf(bus, holds), Subjects.TicketCreated, Subjects.TicketUpdated, Subjects.EventCreated, Subjects.EventUpdated, Subjects.EventCancelled),
);
beforeEach(() => bus.clear());

const QUANTITY_MESSAGE = 'Quantity must be between 1 and 20';
const order = (ticketId: string, quantity?: unknown, cookie = signin()) =>
  request(app)
    .post('/api/orders')
    .set('Cookie', cookie)
    .send(quantity === undefined ? { ticketId } : { ticketId, quantity });
const refusal = (message: string) => ({ errors: [{ message }] });

/** A listing as ticket:created (version 2) puts it in the replica: $25, a $3.00 fee, five seats unless told. */
async function listing(attrs: Partial<TicketAttrs> = {}) {
  const data = { id: newId(), version: 0, title: 'Gig', price: 25, userId: newId(), quantity: 5, fee: 3, ...attrs };
  expect(await bus.deliver(Subjects.TicketCreated, data)).toBe(true);
  return data;
}

const seatsOf = async (ticketId: string) => {
  const t = (await Ticket.findById(ticketId))!;
  const sum = (hs: Array<{ quantity: number }>) => hs.reduce((n, h) => n + h.quantity, 0);
  return { available: t.available, held: sum(t.holds), sold: sum(t.sales) };
};

const event = (overrides: Partial<{ version: number; status: EventStatus; startsAt: string }> = {}) => ({
  id: newId(),
  version: 0,
  name: 'Gig',
  venue: 'Hall',
  city: 'Oslo',
  startsAt: new Date(Date.now() + 86400000).toISOString(),
  category: EventCategory.Concert,
  status: EventStatus.Scheduled,
  organizerId: newId(),
  ...overrides,
});

describe('POST /api/orders with a quantity', () => {
  it.each([
    ['zero', 0],
    ['21', 21],
    ['negative', -1],
    ['a fraction', 2.5],
    ['digits as text', '3'],
    ['text', 'two'],
    ['null', null],
    ['a boolean', true],
  ])('rejects %s with a field error', async (_case, quantity) => {
    const { id } = await listing();
    const res = await order(id, quantity).expect(400);
    expect(res.body).toEqual({ errors: [{ message: QUANTITY_MESSAGE, field: 'quantity' }] });
    expect(await Order.countDocuments()).toBe(0);
    expect(await seatsOf(id)).toEqual({ available: 5, held: 0, sold: 0 });
  });

  it('takes the seats and freezes the total: 3 × ($25 + $3.00) = $84.00', async () => {
    const buyer = newId();
    const data = await listing();
    const res = await order(data.id, 3, signin({ id: buyer })).expect(201);
    expect(res.body).toMatchObject({ status: 'created', quantity: 3, unitPrice: 25, fee: 3, total: 84, ticket: { id: data.id, price: 25 } });
    expect(await seatsOf(data.id)).toEqual({ available: 2, held: 3, sold: 0 });

    await relay.flush();
    expect(bus.publishedData(Subjects.OrderCreated)).toEqual([
      {
        id: res.body.id,
        version: 0,
        status: OrderStatus.Created,
        userId: buyer,
        expiresAt: res.body.expiresAt,
        ticket: { id: data.id, price: 25, userId: data.userId },
        quantity: 3,
        fee: 3,
        total: 84,
      },
    ]);
  });

  it('defaults to one seat', async () => {
    const { id } = await listing();
    const res = await order(id).expect(201);
    expect(res.body).toMatchObject({ quantity: 1, unitPrice: 25, fee: 3, total: 28 });
    expect(await seatsOf(id)).toEqual({ available: 4, held: 1, sold: 0 });
  });

  it("prices a version-1 listing (no fee in its messages) by this service's fee settings", async () => {
    const custom = testApp(bus, { fees: { percent: 20, fixed: 1 } });
    const ticket = await createTicket({ price: 25 });
    const res = await request(custom).post('/api/orders').set('Cookie', signin()).send({ ticketId: ticket.id }).expect(201);
    // 20% of $25 plus $1.
    expect(res.body).toMatchObject({ quantity: 1, unitPrice: 25, fee: 6, total: 31 });
  });

  it('keeps the total it froze when the listing is repriced later', async () => {
    const buyer = newId();
    const data = await listing();
    const res = await order(data.id, 3, signin({ id: buyer })).expect(201);
    expect(await bus.deliver(Subjects.TicketUpdated, { ...data, version: 1, price: 40, fee: 4.5 })).toBe(true);

    const shown = await request(app).get(`/api/orders/${res.body.id}`).set('Cookie', signin({ id: buyer })).expect(200);
    expect(shown.body).toMatchObject({ quantity: 3, unitPrice: 25, fee: 3, total: 84, ticket: { price: 40 } });
    const listed = await request(app).get('/api/orders').set('Cookie', signin({ id: buyer })).expect(200);
    expect(listed.body).toEqual([shown.body]);
    // A new order pays the new price.
    expect((await order(data.id, 2).expect(201)).body).toMatchObject({ unitPrice: 40, fee: 4.5, total: 89 });
  });

  it('answers `Only N tickets left` when fewer seats are available than asked', async () => {
    const { id } = await listing();
    await order(id, 3).expect(201);
    expect((await order(id, 3).expect(400)).body).toEqual(refusal('Only 2 tickets left'));
    expect((await order(id, 20).expect(400)).body).toEqual(refusal('Only 2 tickets left'));
    await order(id, 2).expect(201);
    expect(await seatsOf(id)).toEqual({ available: 0, held: 5, sold: 0 });
  });

  it('answers `Ticket is already reserved` when no seat is available', async () => {
    const { id } = await listing({ quantity: 2 });
    await order(id, 2).expect(201);
    expect((await order(id, 1).expect(400)).body).toEqual(refusal('Ticket is already reserved'));
    expect((await order(id, 2).expect(400)).body).toEqual(refusal('Ticket is already reserved'));
  });

  it.each([
    [SplitRule.Pairs, 6, 3, 'refused'],
    [SplitRule.Pairs, 6, 1, 'refused'],
    [SplitRule.Pairs, 6, 2, 'taken'],
    [SplitRule.NoSingle, 4, 3, 'refused'],
    [SplitRule.NoSingle, 4, 2, 'taken'],
    [SplitRule.NoSingle, 4, 4, 'taken'],
    [SplitRule.All, 4, 2, 'refused'],
    [SplitRule.All, 4, 4, 'taken'],
    [SplitRule.Any, 4, 3, 'taken'],
  ])('split %s of %i seats: an order of %i is %s', async (split, quantity, asked, outcome) => {
    const { id } = await listing({ split, quantity });
    const res = await order(id, asked);
    if (outcome === 'taken') {
      expect(res.status).toBe(201);
      expect(await seatsOf(id)).toEqual({ available: quantity - asked, held: asked, sold: 0 });
    } else {
      expect([res.status, res.body]).toEqual([400, refusal("Quantity not allowed by the seller's split rule")]);
      expect(await seatsOf(id)).toEqual({ available: quantity, held: 0, sold: 0 });
    }
  });

  it('applies the split rule to what remains: pairs keep pairs, no-single never leaves one, all takes the rest', async () => {
    const noSingle = await listing({ split: SplitRule.NoSingle, quantity: 5 });
    await order(noSingle.id, 2).expect(201); // 3 left
    expect((await order(noSingle.id, 2).expect(400)).body).toEqual(refusal("Quantity not allowed by the seller's split rule"));
    await order(noSingle.id, 3).expect(201);

    const all = await listing({ split: SplitRule.All, quantity: 3 });
    await order(all.id, 3).expect(201);
    expect((await order(all.id, 1).expect(400)).body).toEqual(refusal('Ticket is already reserved'));
  });

  describe('Event is not on sale', () => {
    it('refuses a listing whose event was cancelled, as event:cancelled says', async () => {
      const gig = event();
      expect(await bus.deliver(Subjects.EventCreated, gig)).toBe(true);
      const { id } = await listing({ eventId: gig.id });
      await order(id, 1).expect(201);
      // order:created names the listing's event: payments refunds and pays out by event.
      await relay.flush();
      expect(bus.publishedData(Subjects.OrderCreated).map((o) => o.ticket.eventId)).toEqual([gig.id]);
      expect(await bus.deliver(Subjects.EventCancelled, { ...gig, version: 1, status: EventStatus.Cancelled })).toBe(true);
      expect((await order(id, 1).expect(400)).body).toEqual(refusal('Event is not on sale'));
      // The unpaid order was cancelled with its event (the buyer guarantee), its seat given back.
      expect(await seatsOf(id)).toEqual({ available: 5, held: 0, sold: 0 });
    });

    it('refuses a listing whose event has started (event:updated moved it into the past)', async () => {
      const gig = event();
      await bus.deliver(Subjects.EventCreated, gig);
      const { id } = await listing({ eventId: gig.id });
      expect(await bus.deliver(Subjects.EventUpdated, { ...gig, version: 1, startsAt: new Date(Date.now() - 60000).toISOString() })).toBe(true);
      expect((await order(id, 2).expect(400)).body).toEqual(refusal('Event is not on sale'));
      expect(await Order.countDocuments()).toBe(0);
    });

    it('refuses a listing the tickets service flagged cancelled (ticket:updated)', async () => {
      const data = await listing();
      expect(await bus.deliver(Subjects.TicketUpdated, { ...data, version: 1, cancelled: true })).toBe(true);
      expect((await order(data.id, 1).expect(400)).body).toEqual(refusal('Event is not on sale'));
    });

    it('sells a listing whose event is scheduled, or not replicated here yet (tickets checked it when listing)', async () => {
      const gig = event();
      await bus.deliver(Subjects.EventCreated, gig);
      await order((await listing({ eventId: gig.id })).id, 1).expect(201);
      await order((await listing({ eventId: newId() })).id, 1).expect(201);
    });
  });

  it('gives the seats back once when the order is cancelled, and says how many in order:cancelled', async () => {
    const buyer = newId();
    const { id } = await listing();
    const res = await order(id, 3, signin({ id: buyer })).expect(201);
    await request(app).delete(`/api/orders/${res.body.id}`).set('Cookie', signin({ id: buyer })).expect(204);
    await request(app).delete(`/api/orders/${res.body.id}`).set('Cookie', signin({ id: buyer })).expect(204);
    expect(await seatsOf(id)).toEqual({ available: 5, held: 0, sold: 0 });
    await relay.flush();
    expect(bus.publishedData(Subjects.OrderCancelled)).toEqual([{ id: res.body.id, version: 1, ticket: { id }, quantity: 3 }]);
  });

  it('sells the seats for good when the order is paid', async () => {
    const { id } = await listing();
    const res = await order(id, 2).expect(201);
    expect(await completeOrder(res.body.id, holds)).toBe('complete');
    expect(await completeOrder(res.body.id, holds)).toBe('already-complete');
    expect(await seatsOf(id)).toEqual({ available: 3, held: 0, sold: 2 });
    expect((await order(id, 4).expect(400)).body).toEqual(refusal('Only 3 tickets left'));
  });

  it('moves `available` by the difference when ticket:updated changes the quantity, keeping what is held', async () => {
    const data = await listing();
    await order(data.id, 3).expect(201);
    expect(await bus.deliver(Subjects.TicketUpdated, { ...data, version: 1, quantity: 8 })).toBe(true);
    expect(await seatsOf(data.id)).toEqual({ available: 5, held: 3, sold: 0 });
    expect(await bus.deliver(Subjects.TicketUpdated, { ...data, version: 2, quantity: 4 })).toBe(true);
    // A redelivery of an applied version changes nothing.
    expect(await bus.deliver(Subjects.TicketUpdated, { ...data, version: 2, quantity: 4 }, { deliveryCount: 2 })).toBe(true);
    expect(await seatsOf(data.id)).toEqual({ available: 1, held: 3, sold: 0 });
  });
});

describe('the hold limit with orders of several seats', () => {
  it('counts orders, not seats: three unpaid orders of four seats each, then no more', async () => {
    const buyer = signin({ id: newId() });
    for (let i = 0; i < 3; i += 1) await order((await listing({ quantity: 4 })).id, 4, buyer).expect(201);
    const res = await order((await listing({ quantity: 4 })).id, 1, buyer).expect(400);
    expect(res.body).toEqual(refusal('You have too many unpaid orders'));
  });
});

describe('concurrent orders of several seats on one listing', () => {
  /** One real HTTP server, as in production; every request from a different buyer. */
  async function storm(ticketId: string, quantities: number[]) {
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      return await Promise.all(
        quantities.map((quantity) => request(url).post('/api/orders').set('Cookie', signin()).send({ ticketId, quantity })),
      );
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  }

  it('never holds more seats than the listing has, whatever quantities race', async () => {
    const SEATS = 20;
    const { id } = await listing({ quantity: SEATS });
    const quantities = Array.from({ length: 30 }, () => 1 + Math.floor(Math.random() * 6));
    const results = await storm(id, quantities);

    const won = results.filter((r) => r.status === 201);
    const refused = results.filter((r) => r.status === 400);
    expect(won.length + refused.length).toBe(quantities.length);
    for (const r of refused) expect(r.body.errors[0].message).toMatch(/^(Ticket is already reserved|Only \d+ tickets left)$/);
    const held = won.reduce((n, r) => n + r.body.quantity, 0);
    console.log(`seat storm: ${quantities.length} concurrent orders of 1–6 seats for ${SEATS} seats -> ${won.length} x 201 holding ${held} seats`);
    expect(held).toBeLessThanOrEqual(SEATS);
    expect(await seatsOf(id)).toEqual({ available: SEATS - held, held, sold: 0 });
    // Whatever is left is less than the smallest order refused for want of seats.
    const smallestRefused = Math.min(...quantities.filter((_q, i) => results[i].status === 400));
    if (refused.length) expect(SEATS - held).toBeLessThan(smallestRefused);
  });

  it('gives exactly quantity/q orders of q seats', async () => {
    const SEATS = 12;
    const Q = 3;
    const { id } = await listing({ quantity: SEATS });
    const results = await storm(id, Array(16).fill(Q));
    const won = results.filter((r) => r.status === 201);
    expect(won).toHaveLength(SEATS / Q);
    for (const r of results.filter((x) => x.status !== 201)) expect([r.status, r.body]).toEqual([400, refusal('Ticket is already reserved')]);
    expect(await seatsOf(id)).toEqual({ available: 0, held: SEATS, sold: 0 });
    expect(await Order.countDocuments({ ticket: id })).toBe(SEATS / Q);
  });
});
