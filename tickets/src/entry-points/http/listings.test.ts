// Version 2's listings through the routes: several seats, the split rule,
// section and row, the event, the server's fee, the list's event filter and
// price sort, the seller's counts.
import request from 'supertest';
import { EventStatus, Subjects } from '@ticketing/common';
import { listenTo, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Ticket } from '../../data/ticket';
import { eventData, orderCreatedData, testPassKeys, testService } from '../../test/app';
import { listenersOf } from '../listeners';

useTestDatabase();
const { app, bus, published } = testService();
beforeAll(() =>
  listenTo(listenersOf(bus, testPassKeys()), Subjects.OrderCreated, Subjects.OrderCancelled, Subjects.EventCreated, Subjects.EventCancelled, Subjects.PaymentCreated),
);
beforeEach(() => bus.clear());
afterEach(() => jest.restoreAllMocks());

const post = (body: object, cookie = signin()) => request(app).post('/api/tickets').set('Cookie', cookie).send(body);
const put = (id: string, body: object, cookie: string[]) => request(app).put(`/api/tickets/${id}`).set('Cookie', cookie).send(body);

/** An event known to the replica (through event:created), on sale unless told otherwise. */
async function knownEvent(overrides: Parameters<typeof eventData>[0] = {}) {
  const data = eventData(overrides);
  if (!(await bus.deliver(Subjects.EventCreated, data))) throw new Error('event:created was not acked');
  return data;
}

/** A listing of `quantity` seats, made through the API. */
async function listing(body: Record<string, unknown> = {}) {
  const userId = newId();
  const cookie = signin({ id: userId });
  const res = await post({ title: 'Concert', price: 25, ...body }, cookie).expect(201);
  return { ticket: res.body as { id: string; price: number; version: number }, cookie, userId };
}

/** An order of `quantity` seats held through order:created; paid through payment:created when `paid`. */
async function order(ticket: { id: string; price: number }, quantity: number, paid = false) {
  const data = { ...orderCreatedData(ticket), quantity };
  if (!(await bus.deliver(Subjects.OrderCreated, data))) throw new Error('order:created was not acked');
  if (paid && !(await bus.deliver(Subjects.PaymentCreated, { id: newId(), orderId: data.id, stripeId: `pi_${data.id}` }))) throw new Error('payment:created was not acked');
  return data.id;
}

describe('POST /api/tickets (version 2)', () => {
  it('lists several seats with section, row and split; the fee is the server\'s: $25 → fee 3, allInPrice 28', async () => {
    const userId = newId();
    const res = await post({ title: 'Concert', price: 25, quantity: 4, section: ' A ', row: '12', split: 'no-single' }, signin({ id: userId })).expect(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      title: 'Concert',
      price: 25,
      userId,
      version: 0,
      quantity: 4,
      available: 4,
      section: 'A',
      row: '12',
      split: 'no-single',
      fee: 3,
      allInPrice: 28,
    });
    expect(await published(Subjects.TicketCreated)).toEqual([
      { id: res.body.id, version: 0, title: 'Concert', price: 25, userId, quantity: 4, split: 'no-single', fee: 3, section: 'A', row: '12' },
    ]);
    expect(await Ticket.findById(res.body.id)).toMatchObject({ fee: 3, allInPrice: 28, available: 4, held: 0, sold: 0 });
  });

  it('never takes the fee, the all-in price or the counts from the client', async () => {
    const res = await post({ title: 'Concert', price: 19.95, fee: 0, allInPrice: 1, available: 99, held: 3, quantity: 2 }).expect(201);
    // 10% of $19.95 is 199.5 cents, half up to 200, plus 50.
    expect(res.body).toMatchObject({ fee: 2.5, allInPrice: 22.45, available: 2, quantity: 2 });
  });

  it('takes the quantity as a form sends it', async () => {
    expect((await post({ title: 'Concert', price: 10, quantity: ' 3 ' }).expect(201)).body).toMatchObject({ quantity: 3, available: 3 });
    expect((await post({ title: 'Concert', price: 10, quantity: 20 }).expect(201)).body).toMatchObject({ quantity: 20 });
  });

  it.each([[0], [21], [-1], [1.5], ['abc'], [''], [true], [[2]], [{ n: 2 }]])('rejects the quantity %j: 400 Quantity must be between 1 and 20', async (quantity) => {
    const res = await post({ title: 'Concert', price: 10, quantity }).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Quantity must be between 1 and 20', field: 'quantity' }] });
    expect(await Ticket.countDocuments()).toBe(0);
  });

  it.each([['odd'], ['ANY'], [5], [['any']]])('rejects the split %j: 400 Split must be one of any, pairs, no-single, all', async (split) => {
    const res = await post({ title: 'Concert', price: 10, split }).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Split must be one of any, pairs, no-single, all', field: 'split' }] });
  });

  it('accepts every split rule', async () => {
    for (const split of ['any', 'pairs', 'no-single', 'all']) {
      expect((await post({ title: 'Concert', price: 10, quantity: 2, split }).expect(201)).body.split).toBe(split);
    }
  });

  it('wants an even quantity for pairs, the default one seat included', async () => {
    const odd = await post({ title: 'Concert', price: 10, quantity: 3, split: 'pairs' }).expect(400);
    expect(odd.body).toEqual({ errors: [{ message: 'Quantity must be even for pairs', field: 'quantity' }] });
    const absent = await post({ title: 'Concert', price: 10, split: 'pairs' }).expect(400);
    expect(absent.body).toEqual({ errors: [{ message: 'Quantity must be even for pairs', field: 'quantity' }] });
  });

  it('keeps section and row to 20 characters', async () => {
    const res = await post({ title: 'Concert', price: 10, section: 'x'.repeat(21), row: 'y'.repeat(21) }).expect(400);
    expect(res.body).toEqual({
      errors: [
        { message: 'Section must be text of at most 20 characters', field: 'section' },
        { message: 'Row must be text of at most 20 characters', field: 'row' },
      ],
    });
    expect((await post({ title: 'Concert', price: 10, section: 'x'.repeat(20), row: 7 }).expect(400)).body.errors).toEqual([
      { message: 'Row must be text of at most 20 characters', field: 'row' },
    ]);
    expect((await post({ title: 'Concert', price: 10, section: 'x'.repeat(20), row: '' }).expect(201)).body).not.toHaveProperty('row');
    // Falsy values that are not text are wrong, not absent; null is absent.
    expect((await post({ title: 'Concert', price: 10, eventId: false, section: false, row: 0 }).expect(400)).body.errors).toEqual([
      { message: 'Event not found', field: 'eventId' },
      { message: 'Section must be text of at most 20 characters', field: 'section' },
      { message: 'Row must be text of at most 20 characters', field: 'row' },
    ]);
    const nulls = await post({ title: 'Concert', price: 10, section: null, split: null, quantity: null, eventId: null });
    expect([nulls.status, nulls.body]).toEqual([201, expect.objectContaining({ quantity: 1, split: 'any' })]);
  });

  it('reports every failing field at once', async () => {
    const res = await post({ title: '', price: 10, quantity: 0, split: 'some' }).expect(400);
    expect(res.body.errors).toEqual([
      { message: 'Title is required', field: 'title' },
      { message: 'Quantity must be between 1 and 20', field: 'quantity' },
      { message: 'Split must be one of any, pairs, no-single, all', field: 'split' },
    ]);
  });

  describe('eventId', () => {
    it('lists seats of an event on sale, and says so on ticket:created', async () => {
      const event = await knownEvent();
      const res = await post({ title: 'Concert', price: 25, eventId: event.id }).expect(201);
      expect(res.body).toMatchObject({ eventId: event.id });
      expect((await published(Subjects.TicketCreated))[0]).toMatchObject({ eventId: event.id });
    });

    it.each([['unknown', () => newId()], ['malformed', () => 'not-an-id']])('answers 400 Event not found for an %s event', async (_case, id) => {
      const res = await post({ title: 'Concert', price: 25, eventId: id() }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Event not found', field: 'eventId' }] });
      expect(await Ticket.countDocuments()).toBe(0);
    });

    it('answers 400 Event is not on sale for a cancelled or a started event', async () => {
      const cancelled = await knownEvent({ status: EventStatus.Cancelled });
      const started = await knownEvent({ startsAt: new Date(Date.now() - 60_000).toISOString() });
      for (const event of [cancelled, started]) {
        const res = await post({ title: 'Concert', price: 25, eventId: event.id }).expect(400);
        expect(res.body).toEqual({ errors: [{ message: 'Event is not on sale', field: 'eventId' }] });
      }
      expect(await Ticket.countDocuments()).toBe(0);
      expect(await published(Subjects.TicketCreated)).toEqual([]);
    });

    it('marks the listing cancelled when event:cancelled lands between the check and the insert', async () => {
      const event = await knownEvent();
      const insert = Ticket.collection.insertOne.bind(Ticket.collection);
      jest.spyOn(Ticket.collection, 'insertOne').mockImplementationOnce((async (...args: Parameters<typeof insert>) => {
        // The event is cancelled after the route found it on sale: its listings are marked before this one exists.
        expect(await bus.deliver(Subjects.EventCancelled, { ...event, version: 1, status: EventStatus.Cancelled })).toBe(true);
        return insert(...args);
      }) as never);
      const res = await post({ title: 'Concert', price: 25, eventId: event.id }).expect(201);
      expect(res.body.version).toBe(1);
      expect(await Ticket.findById(res.body.id)).toMatchObject({ cancelled: true, status: 'cancelled' });
      expect((await request(app).get('/api/tickets').expect(200)).body).toEqual([]);
      expect((await published(Subjects.TicketUpdated)).map((u) => [u.version, u.cancelled])).toEqual([[1, true]]);
    });
  });
});

describe('PUT /api/tickets/:id (version 2)', () => {
  it('edits quantity, section, row and split; the fee follows the price; absent fields keep their value', async () => {
    const { ticket, cookie } = await listing({ quantity: 4, section: 'A' });
    const res = await put(ticket.id, { title: 'Concert', price: 30, quantity: 6, row: '3', split: 'pairs' }, cookie).expect(200);
    expect(res.body).toMatchObject({ price: 30, quantity: 6, available: 6, section: 'A', row: '3', split: 'pairs', fee: 3.5, allInPrice: 33.5, version: 1 });
    // A version-1 client editing title and price keeps the seats as they are.
    const v1 = await put(ticket.id, { title: 'Gig', price: 30 }, cookie).expect(200);
    expect(v1.body).toMatchObject({ title: 'Gig', quantity: 6, split: 'pairs', section: 'A', row: '3', version: 2 });
    expect((await published(Subjects.TicketUpdated)).map((u) => [u.version, u.quantity, u.split, u.fee])).toEqual([
      [1, 6, 'pairs', 3.5],
      [2, 6, 'pairs', 3.5],
    ]);
  });

  it('refuses an edit while any seat is held: 400 Cannot edit a reserved ticket', async () => {
    const { ticket, cookie } = await listing({ quantity: 4 });
    await order(ticket, 1);
    const res = await put(ticket.id, { title: 'New', price: 30 }, cookie).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Cannot edit a reserved ticket' }] });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Concert', quantity: 4, held: 1 });
  });

  it('lets a partly sold listing be edited, never below the seats sold, and refuses it once every seat is sold', async () => {
    const { ticket, cookie } = await listing({ quantity: 4 });
    await order(ticket, 2, true);
    const below = await put(ticket.id, { title: 'Concert', price: 25, quantity: 1 }, cookie).expect(400);
    expect(below.body).toEqual({ errors: [{ message: 'Quantity cannot be less than the 2 seats sold', field: 'quantity' }] });
    const down = await put(ticket.id, { title: 'Concert', price: 25, quantity: 3 }, cookie).expect(200);
    expect(down.body).toMatchObject({ quantity: 3, available: 1 });
    await order(ticket, 1, true);
    const sold = await put(ticket.id, { title: 'Concert', price: 25, quantity: 5 }, cookie).expect(400);
    expect(sold.body).toEqual({ errors: [{ message: 'Cannot edit a reserved ticket' }] });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ quantity: 3, sold: 3, available: 0, status: 'sold' });
  });

  it('wants an even stored quantity when the split becomes pairs', async () => {
    const { ticket, cookie } = await listing({ quantity: 3 });
    const res = await put(ticket.id, { title: 'Concert', price: 25, split: 'pairs' }, cookie).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Quantity must be even for pairs', field: 'quantity' }] });
  });

  it('checks a new event as POST does', async () => {
    const { ticket, cookie } = await listing();
    const cancelled = await knownEvent({ status: EventStatus.Cancelled });
    expect((await put(ticket.id, { title: 'Concert', price: 25, eventId: cancelled.id }, cookie).expect(400)).body).toEqual({
      errors: [{ message: 'Event is not on sale', field: 'eventId' }],
    });
    expect((await put(ticket.id, { title: 'Concert', price: 25, eventId: newId() }, cookie).expect(400)).body).toEqual({
      errors: [{ message: 'Event not found', field: 'eventId' }],
    });
    const onSale = await knownEvent();
    expect((await put(ticket.id, { title: 'Concert', price: 25, eventId: onSale.id }, cookie).expect(200)).body).toMatchObject({ eventId: onSale.id });
  });
});

describe('GET /api/tickets (version 2)', () => {
  const ids = (body: Array<{ id: string }>) => body.map((t) => t.id);

  it('lists listings with a seat free: partly held ones stay, sold-out and cancelled ones leave', async () => {
    const event = await knownEvent();
    const { ticket: partly } = await listing({ quantity: 3 });
    await order(partly, 2);
    const { ticket: soldOut } = await listing({ quantity: 2 });
    await order(soldOut, 1, true);
    await order(soldOut, 1);
    const { ticket: ofCancelled } = await listing({ eventId: event.id });
    await bus.deliver(Subjects.EventCancelled, { ...event, version: 1, status: EventStatus.Cancelled });
    const res = await request(app).get('/api/tickets').expect(200);
    expect(ids(res.body)).toEqual([partly.id]);
    expect(res.body[0]).toMatchObject({ quantity: 3, available: 1 });
    expect(ids(res.body)).not.toContain(soldOut.id);
    expect(ids(res.body)).not.toContain(ofCancelled.id);
  });

  it('keeps one event\'s listings with eventId, newest first, and sorts by all-in price, cheapest first, with sort=price', async () => {
    const event = await knownEvent();
    const other = await knownEvent();
    const { ticket: a } = await listing({ eventId: event.id, price: 30 });
    const { ticket: b } = await listing({ eventId: event.id, price: 10 });
    const { ticket: c } = await listing({ eventId: other.id, price: 5 });
    const { ticket: d } = await listing({ eventId: event.id, price: 20 });
    const { ticket: e } = await listing({ price: 1 });
    expect(ids((await request(app).get(`/api/tickets?eventId=${event.id}`).expect(200)).body)).toEqual([d.id, b.id, a.id]);
    const cheapest = (await request(app).get(`/api/tickets?eventId=${event.id}&sort=price`).expect(200)).body;
    expect(ids(cheapest)).toEqual([b.id, d.id, a.id]);
    expect(cheapest.map((t: { allInPrice: number }) => t.allInPrice)).toEqual([11.5, 22.5, 33.5]);
    expect(ids((await request(app).get('/api/tickets?sort=price').expect(200)).body)).toEqual([e.id, c.id, b.id, d.id, a.id]);
    expect(ids((await request(app).get('/api/tickets?sort=newest').expect(200)).body)).toEqual([e.id, d.id, c.id, b.id, a.id]);
    expect(ids((await request(app).get(`/api/tickets?eventId=${event.id}&sort=price&limit=1&offset=1`).expect(200)).body)).toEqual([d.id]);
    expect((await request(app).get(`/api/tickets?eventId=${newId()}`).expect(200)).body).toEqual([]);
  });

  it('sorts equal all-in prices by id, so pages never overlap', async () => {
    const made = [];
    for (let i = 0; i < 4; i += 1) made.push((await listing({ price: 10 })).ticket.id);
    const page = async (offset: number) => ids((await request(app).get(`/api/tickets?sort=price&limit=2&offset=${offset}`).expect(200)).body);
    expect([...(await page(0)), ...(await page(2))]).toEqual([...made].sort());
  });

  it.each([
    ['eventId=abc', { message: 'eventId must be an event id', field: 'eventId' }],
    ['eventId=', { message: 'eventId must be an event id', field: 'eventId' }],
    ['sort=cheapest', { message: 'Sort must be price or newest', field: 'sort' }],
    ['sort=price&sort=newest', { message: 'Sort must be price or newest', field: 'sort' }],
  ])('answers ?%s with 400 in the error shape', async (qs, error) => {
    const res = await request(app).get(`/api/tickets?${qs}`).expect(400);
    expect(res.body).toEqual({ errors: [error] });
  });
});

describe('GET /api/tickets/mine (version 2)', () => {
  it('adds held and sold, and a status from the counts and the event', async () => {
    const event = await knownEvent();
    const { ticket, cookie } = await listing({ quantity: 4 });
    const mine = async () => (await request(app).get('/api/tickets/mine').set('Cookie', cookie).expect(200)).body[0];
    expect(await mine()).toMatchObject({ quantity: 4, available: 4, held: 0, sold: 0, status: 'available' });
    await order(ticket, 1, true);
    await order(ticket, 2);
    expect(await mine()).toMatchObject({ available: 1, held: 2, sold: 1, status: 'available' });
    const last = await order(ticket, 1);
    expect(await mine()).toMatchObject({ available: 0, held: 3, sold: 1, status: 'reserved' });
    await bus.deliver(Subjects.PaymentCreated, { id: newId(), orderId: last, stripeId: `pi_${last}` });
    expect(await mine()).toMatchObject({ available: 0, held: 2, sold: 2, status: 'reserved' });
    const { ticket: ofEvent, cookie: seller } = await listing({ eventId: event.id });
    await bus.deliver(Subjects.EventCancelled, { ...event, version: 1, status: EventStatus.Cancelled });
    const theirs = (await request(app).get('/api/tickets/mine').set('Cookie', seller).expect(200)).body;
    expect(theirs).toEqual([expect.objectContaining({ id: ofEvent.id, available: 1, held: 0, sold: 0, status: 'cancelled' })]);
  });
});
