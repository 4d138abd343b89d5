import request from 'supertest';
import { Subjects } from '@ticketing/common';
import { listenerOf, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Ticket, TicketDoc } from '../../data/ticket';
import { RESERVED_MESSAGE } from '../../domain/tickets';
import { buildTicket, createTicket, orderCreatedData, testPassKeys, testService } from '../../test/app';
import { listenersOf } from '../listeners';

useTestDatabase();
const { app, bus, published } = testService();
const orderCreated = listenerOf(listenersOf(bus, testPassKeys()), Subjects.OrderCreated);
beforeAll(() => orderCreated.listen());
beforeEach(() => bus.clear());
afterEach(() => jest.restoreAllMocks());

const put = (id: string, body: unknown, cookie?: string[]) => {
  const req = request(app).put(`/api/tickets/${id}`);
  if (cookie) req.set('Cookie', cookie);
  return req.send(body as object);
};


/**
 * Holds every request's Ticket.findById until `count` of them have loaded
 * the ticket: they all start from the same version.
 */
function loadTogether(count: number) {
  const original = Ticket.findById.bind(Ticket);
  let arrived = 0;
  let release!: () => void;
  const allLoaded = new Promise<void>((resolve) => {
    release = resolve;
  });
  jest.spyOn(Ticket, 'findById').mockImplementation((async (id: unknown) => {
    const doc = await original(id);
    arrived += 1;
    if (arrived === count) release();
    await allLoaded;
    return doc;
  }) as never);
}

describe('PUT /api/tickets/:id', () => {
  it('answers 401 without a session, before looking the ticket up', async () => {
    const { ticket } = await createTicket(app);
    const res = await put(ticket.id, { title: 'New', price: 30 }).expect(401);
    expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
    await put(newId(), { title: 'New', price: 30 }).expect(401);
  });

  it('answers 404 Not Found for an unknown id', async () => {
    const res = await put(newId(), { title: 'New', price: 30 }, signin()).expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });

  it.each([['not-an-id'], ['123'], ['zzzzzzzzzzzzzzzzzzzzzzzz']])('answers 404 for the malformed id %j', async (id) => {
    const res = await put(id, { title: 'New', price: 30 }, signin()).expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });

  it('answers 401 Not authorized to someone who does not own the ticket, and changes nothing', async () => {
    const { ticket } = await createTicket(app, { title: 'Concert', price: 20 });
    const res = await put(ticket.id, { title: 'Mine now', price: 1 }, signin()).expect(401);
    expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Concert', price: 20, version: 0 });
    expect(await published(Subjects.TicketUpdated)).toEqual([]);
  });

  it('answers 400 Cannot edit a reserved ticket to the owner of a locked ticket', async () => {
    const userId = newId();
    const ticket = await buildTicket({ userId, orderId: newId() });
    const res = await put(ticket.id, { title: 'New', price: 30 }, signin({ id: userId })).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Cannot edit a reserved ticket' }] });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Concert', price: 20, version: 0 });
    expect(await published(Subjects.TicketUpdated)).toEqual([]);
  });

  it('answers 400 Cannot edit a reserved ticket to the owner of a sold ticket (it keeps its orderId: locked for good)', async () => {
    const userId = newId();
    const ticket = await buildTicket({ userId, orderId: newId(), soldAt: new Date() });
    const res = await put(ticket.id, { title: 'New', price: 30 }, signin({ id: userId })).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Cannot edit a reserved ticket' }] });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Concert', price: 20, version: 0 });
    expect(await published(Subjects.TicketUpdated)).toEqual([]);
  });

  it('checks ownership before the lock: a stranger gets 401 for a reserved ticket', async () => {
    const ticket = await buildTicket({ orderId: newId() });
    await put(ticket.id, { title: 'New', price: 30 }, signin()).expect(401);
  });

  it('locks the ticket through order:created, after which the owner gets 400', async () => {
    const { ticket, cookie } = await createTicket(app);
    expect(await bus.deliver(Subjects.OrderCreated, orderCreatedData(ticket))).toBe(true);
    const res = await put(ticket.id, { title: 'New', price: 30 }, cookie).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Cannot edit a reserved ticket' }] });
  });

  it('validates title and price as POST does, and changes nothing', async () => {
    const { ticket, cookie } = await createTicket(app);
    const noTitle = await put(ticket.id, { title: '  ', price: 30 }, cookie).expect(400);
    expect(noTitle.body).toEqual({ errors: [{ message: 'Title is required', field: 'title' }] });
    const badPrice = await put(ticket.id, { title: 'New', price: -5 }, cookie).expect(400);
    expect(badPrice.body).toEqual({ errors: [{ message: 'Price must be greater than 0', field: 'price' }] });
    const tooPrecise = await put(ticket.id, { title: 'New', price: 5.555 }, cookie).expect(400);
    expect(tooPrecise.body).toEqual({ errors: [{ message: 'Price must be greater than 0', field: 'price' }] });
    const tooHigh = await put(ticket.id, { title: 'New', price: 1e14 }, cookie).expect(400);
    expect(tooHigh.body).toEqual({ errors: [{ message: 'Price must be at most 999999.99', field: 'price' }] });
    const million = await put(ticket.id, { title: 'New', price: '1000000' }, cookie).expect(400);
    expect(million.body).toEqual({ errors: [{ message: 'Price must be at most 999999.99', field: 'price' }] });
    const neither = await put(ticket.id, {}, cookie).expect(400);
    expect(neither.body.errors).toEqual([
      { message: 'Title is required', field: 'title' },
      { message: 'Price must be greater than 0', field: 'price' },
    ]);
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Concert', price: 20, version: 0 });
    expect(await published(Subjects.TicketUpdated)).toEqual([]);
  });

  it('accepts the highest price, 999999.99', async () => {
    const { ticket, cookie } = await createTicket(app);
    const res = await put(ticket.id, { title: 'Concert', price: 999999.99 }, cookie).expect(200);
    expect(res.body).toMatchObject({ price: 999999.99, version: 1 });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ price: 999999.99, version: 1 });
  });

  it('updates the ticket for its owner: 200 with the new version (contract shape, no status), stored', async () => {
    const { ticket, cookie, userId } = await createTicket(app, { title: 'Concert', price: 20 });
    const res = await put(ticket.id, { title: 'New title', price: 35.5 }, cookie).expect(200);
    expect(res.body).toEqual({
      id: ticket.id,
      title: 'New title',
      price: 35.5,
      userId,
      version: 1,
      // The fee follows the new price: 10% of $35.50 plus $0.50.
      quantity: 1,
      available: 1,
      split: 'any',
      fee: 4.05,
      allInPrice: 39.55,
    });
    const shown = await request(app).get(`/api/tickets/${ticket.id}`).expect(200);
    expect(shown.body).toEqual(res.body);
  });

  it('publishes ticket:updated with {id, version, title, price, userId} and no orderId', async () => {
    const { ticket, cookie, userId } = await createTicket(app);
    await put(ticket.id, { title: 'New title', price: '35.10' }, cookie).expect(200);
    const updates = await published(Subjects.TicketUpdated);
    expect(updates).toEqual([{ id: ticket.id, version: 1, title: 'New title', price: 35.1, userId, quantity: 1, split: 'any', fee: 4.01 }]);
    expect('orderId' in updates[0]).toBe(false);
    // ticket:created first, then the update, in version order.
    expect(bus.published.map((e) => e.subject)).toEqual([Subjects.TicketCreated, Subjects.TicketUpdated]);
  });

  it('bumps the version on every change and publishes each one', async () => {
    const { ticket, cookie } = await createTicket(app);
    await put(ticket.id, { title: 'A', price: 1 }, cookie).expect(200);
    await put(ticket.id, { title: 'B', price: 2 }, cookie).expect(200);
    const res = await put(ticket.id, { title: 'C', price: 3 }, cookie).expect(200);
    expect(res.body.version).toBe(3);
    expect((await published(Subjects.TicketUpdated)).map((d) => [d.version, d.title])).toEqual([
      [1, 'A'],
      [2, 'B'],
      [3, 'C'],
    ]);
  });

  it('answers 200 to a PUT that changes nothing, without a new version or an event', async () => {
    const { ticket, cookie } = await createTicket(app, { title: 'Concert', price: 20 });
    await published(Subjects.TicketCreated);
    bus.clear();
    const res = await put(ticket.id, { title: ' Concert ', price: '20.00' }, cookie).expect(200);
    expect(res.body).toMatchObject({ title: 'Concert', price: 20, version: 0 });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ version: 0 });
    await published(Subjects.TicketUpdated);
    expect(bus.published).toEqual([]);
  });

  it('applies both of two concurrent PUTs loaded at the same version: the loser of the race decides again and lands on top', async () => {
    const { ticket, cookie, userId } = await createTicket(app, { title: 'Concert', price: 20 });
    loadTogether(2);
    const [a, b] = await Promise.all([
      put(ticket.id, { title: 'From A', price: 10 }, cookie),
      put(ticket.id, { title: 'From B', price: 11 }, cookie),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const [first, second] = a.body.version === 1 ? [a, b] : [b, a];
    expect([first.body.version, second.body.version]).toEqual([1, 2]);
    // The later write is what is stored; both versions were published, in order.
    jest.restoreAllMocks();
    const stored = await Ticket.findById(ticket.id);
    expect(stored).toMatchObject({ title: second.body.title, price: second.body.price, version: 2 });
    expect(await published(Subjects.TicketUpdated)).toEqual([
      { id: ticket.id, version: 1, title: first.body.title, price: first.body.price, userId, quantity: 1, split: 'any', fee: first.body.fee },
      { id: ticket.id, version: 2, title: second.body.title, price: second.body.price, userId, quantity: 1, split: 'any', fee: second.body.fee },
    ]);
  });

  it('applies every one of 20 concurrent PUTs of one ticket (no 409: the contract has none for PUT), each a distinct published version', async () => {
    const { ticket, cookie } = await createTicket(app);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => put(ticket.id, { title: `Edit ${i}`, price: i + 1 }, cookie)),
    );
    const ok = results.filter((r) => r.status === 200);
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
    const versions = ok.map((r) => r.body.version).sort((x, y) => x - y);
    expect(versions).toEqual(Array.from({ length: ok.length }, (_, i) => i + 1));
    const last = ok.find((r) => r.body.version === ok.length)!;
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: last.body.title, price: last.body.price, version: ok.length });
    const updates = await published(Subjects.TicketUpdated);
    expect(updates.map((u) => [u.version, u.title])).toEqual(
      ok.map((r) => [r.body.version, r.body.title]).sort((x, y) => (x[0] as number) - (y[0] as number)),
    );
  });

  it('refuses a PUT that loaded the ticket just before an order locked it as reserved (decided again); the lock stands', async () => {
    const { ticket, cookie } = await createTicket(app);
    const orderId = newId();
    const original = Ticket.findById.bind(Ticket);
    jest.spyOn(Ticket, 'findById').mockImplementationOnce((async (id: unknown) => {
      const stale = (await original(id)) as TicketDoc;
      // The reservation lands between the PUT's read and its write.
      const acked = await bus.deliver(Subjects.OrderCreated, orderCreatedData(ticket, orderId));
      expect(acked).toBe(true);
      return stale;
    }) as never);
    const res = await put(ticket.id, { title: 'Sneaky', price: 1 }, cookie).expect(400);
    expect(res.body).toEqual({ errors: [{ message: RESERVED_MESSAGE }] });
    expect(await Ticket.findById(ticket.id)).toMatchObject({ title: 'Concert', price: 20, orderId, version: 1 });
    expect((await published(Subjects.TicketUpdated)).map((u) => u.orderId)).toEqual([orderId]);
  });
});
