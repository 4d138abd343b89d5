// The waiting list (SPEC "Waiting list: sold out is not the end"): every
// status and message of its routes, and offers made the moment seats come back.
import request from 'supertest';
import { DEFAULT_FEES, EventCategory, EventStatus, SplitRule, Subjects } from '@ticketing/common';
import { listenTo, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Ticket, TicketAttrs } from '../../data/ticket';
import { WaitlistEntry } from '../../data/waitlist';
import { sweepWaitlist } from '../../domain/waitlist-sweep';
import { placeOrder } from '../../domain/orders';
import { waitlistSettings } from '../../domain/waitlist-offers';
import { testApp, testBus, testHolds } from '../../test/app';
import { listenersOf } from '../listeners';

useTestDatabase();
const { bus, relay } = testBus();
const holds = testHolds({ MAX_ACTIVE_ORDERS_PER_USER: 100 });
const app = testApp(bus, { MAX_ACTIVE_ORDERS_PER_USER: 100 }, undefined, holds);

beforeAll(() => listenTo(listenersOf(bus, holds), Subjects.TicketCreated, Subjects.TicketUpdated, Subjects.EventCreated, Subjects.EventCancelled));
beforeEach(() => bus.clear());

const refusal = (message: string) => ({ errors: [{ message }] });
const userCookie = (id = newId()) => ({ id, cookie: signin({ id, email: `${id}@test.com` }) });

async function listing(attrs: Partial<TicketAttrs> = {}) {
  const data = { id: newId(), version: 0, title: 'Gig', price: 25, userId: newId(), quantity: 1, fee: 3, ...attrs };
  expect(await bus.deliver(Subjects.TicketCreated, data)).toBe(true);
  return data;
}

const order = (ticketId: string, cookie: string[], quantity?: number) =>
  request(app).post('/api/orders').set('Cookie', cookie).send(quantity === undefined ? { ticketId } : { ticketId, quantity });
const join = (ticketId: unknown, cookie: string[], quantity?: unknown) =>
  request(app).post('/api/waitlist').set('Cookie', cookie).send(quantity === undefined ? { ticketId } : { ticketId, quantity });
const entriesOf = async (cookie: string[]) => (await request(app).get('/api/waitlist').set('Cookie', cookie).expect(200)).body;

/** A listing of `quantity` seats, every one held by an order of someone else: the orders' ids and their buyers. */
async function soldOut(quantity = 1, attrs: Partial<TicketAttrs> = {}, perOrder = 1) {
  const data = await listing({ quantity, ...attrs });
  const holders = [];
  for (let i = 0; i < quantity; i += perOrder) {
    const buyer = userCookie();
    const res = await order(data.id, buyer.cookie, perOrder).expect(201);
    holders.push({ orderId: res.body.id as string, cookie: buyer.cookie });
  }
  return { ticketId: data.id, holders };
}

/**
 * soldOut(seats, {}, perOrder), then one new buyer in line per entry of `asks`, in
 * that order (the quantity asked; undefined sends none): the buyers with their entries' ids.
 */
async function soldOutWithLine(asks: Array<number | undefined>, seats = 1, perOrder = 1) {
  const { ticketId, holders } = await soldOut(seats, {}, perOrder);
  const line = [];
  for (const quantity of asks) {
    const buyer = userCookie();
    const { id: entryId } = (await join(ticketId, buyer.cookie, quantity).expect(201)).body;
    line.push({ ...buyer, entryId: entryId as string });
  }
  return { ticketId, holders, line };
}

const cancel = (h: { orderId: string; cookie: string[] }) => request(app).delete(`/api/orders/${h.orderId}`).set('Cookie', h.cookie).expect(204);

describe('POST /api/waitlist', () => {
  it('requires a session', async () => {
    const { ticketId } = await soldOut();
    expect((await request(app).post('/api/waitlist').send({ ticketId }).expect(401)).body).toEqual(refusal('Not authorized'));
  });

  it.each([
    ['missing', {}],
    ['malformed', { ticketId: 'nope' }],
    ['not a string', { ticketId: 7 }],
  ])('rejects a %s ticketId with a field error', async (_case, body) => {
    const res = await request(app).post('/api/waitlist').set('Cookie', signin()).send(body).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'TicketId must be provided', field: 'ticketId' }] });
  });

  it.each([
    ['zero', 0],
    ['21', 21],
    ['a fraction', 1.5],
    ['text', '2'],
  ])('rejects a quantity of %s', async (_case, quantity) => {
    const { ticketId } = await soldOut();
    const res = await join(ticketId, signin(), quantity).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Quantity must be between 1 and 20', field: 'quantity' }] });
  });

  it('answers 404 for a listing it does not know', async () => {
    expect((await join(newId(), signin()).expect(404)).body).toEqual(refusal('Not Found'));
  });

  it('refuses a quantity the split rule never allows (odd for pairs, more than listed)', async () => {
    const pairs = await soldOut(2, { split: SplitRule.Pairs }, 2);
    expect((await join(pairs.ticketId, signin(), 1).expect(400)).body).toEqual(refusal("Quantity not allowed by the seller's split rule"));
    const { ticketId } = await soldOut(2);
    expect((await join(ticketId, signin(), 3).expect(400)).body).toEqual(refusal("Quantity not allowed by the seller's split rule"));
  });

  it('refuses to join while that many seats can be ordered now', async () => {
    const { id } = await listing({ quantity: 3 });
    expect((await join(id, signin(), 2).expect(400)).body).toEqual(refusal('Tickets are available'));
    await order(id, signin(), 2).expect(201);
    // One seat left: enough for one, not for two.
    expect((await join(id, signin(), 1).expect(400)).body).toEqual(refusal('Tickets are available'));
    await join(id, signin(), 2).expect(201);
  });

  it("refuses the seller's own listing", async () => {
    const seller = userCookie();
    const { ticketId } = await soldOut(1, { userId: seller.id });
    expect((await join(ticketId, seller.cookie).expect(400)).body).toEqual(refusal('Cannot join the waiting list for your own ticket'));
  });

  it('refuses a listing whose event is not on sale', async () => {
    const { ticketId } = await soldOut();
    await Ticket.updateOne({ _id: ticketId }, { $set: { cancelled: true } });
    expect((await join(ticketId, signin()).expect(400)).body).toEqual(refusal('Event is not on sale'));
    const eventId = newId();
    await bus.deliver(Subjects.EventCreated, {
      id: eventId, version: 0, name: 'Gig', venue: 'Hall', city: 'Oslo', startsAt: new Date(Date.now() - 1000).toISOString(),
      category: EventCategory.Concert, status: EventStatus.Scheduled, organizerId: newId(),
    });
    const started = await listing({ eventId });
    await Ticket.updateOne({ _id: started.id }, { $set: { available: 0 } });
    expect((await join(started.id, signin()).expect(400)).body).toEqual(refusal('Event is not on sale'));
  });

  it('answers 201 with the entry and its position; a second join, even at the same moment, is refused', async () => {
    const { ticketId } = await soldOut();
    const first = userCookie();
    const res = await join(ticketId, first.cookie, 1).expect(201);
    expect(res.body).toEqual({ id: expect.any(String), ticketId, quantity: 1, status: 'waiting', position: 1 });
    expect((await join(ticketId, first.cookie).expect(400)).body).toEqual(refusal('Already on the waiting list'));

    const second = userCookie();
    const racing = await Promise.all([join(ticketId, second.cookie), join(ticketId, second.cookie), join(ticketId, second.cookie)]);
    expect(racing.map((r) => r.status).sort()).toEqual([201, 400, 400]);
    expect(racing.find((r) => r.status === 201)!.body.position).toBe(2);
    expect(await WaitlistEntry.countDocuments({ ticketId })).toBe(2);
  });
});

describe('GET /api/waitlist', () => {
  it('requires a session', async () => {
    expect((await request(app).get('/api/waitlist').expect(401)).body).toEqual(refusal('Not authorized'));
  });

  it("answers the caller's entries, newest first, each with its position", async () => {
    const a = await soldOut();
    const b = await soldOut();
    const me = userCookie();
    await join(a.ticketId, signin()).expect(201);
    await join(a.ticketId, me.cookie).expect(201);
    await join(b.ticketId, me.cookie).expect(201);
    const mine = await entriesOf(me.cookie);
    expect(mine.map((e: { ticketId: string; position: number }) => [e.ticketId, e.position])).toEqual([
      [b.ticketId, 1],
      [a.ticketId, 2],
    ]);
    expect(await entriesOf(signin())).toEqual([]);
  });
});

describe('DELETE /api/waitlist/:id', () => {
  it('requires a session, answers 404 for an unknown or malformed id and 401 for someone else', async () => {
    const { ticketId } = await soldOut();
    const me = userCookie();
    const { id } = (await join(ticketId, me.cookie).expect(201)).body;
    await request(app).delete(`/api/waitlist/${id}`).expect(401);
    await request(app).delete(`/api/waitlist/${newId()}`).set('Cookie', me.cookie).expect(404);
    await request(app).delete('/api/waitlist/nope').set('Cookie', me.cookie).expect(404);
    expect((await request(app).delete(`/api/waitlist/${id}`).set('Cookie', signin()).expect(401)).body).toEqual(refusal('Not authorized'));
  });

  it('answers 204 and the entry is left; those behind it move up; leaving again changes nothing', async () => {
    const { ticketId, line: [me, next] } = await soldOutWithLine([undefined, undefined]);
    const id = me.entryId;
    await request(app).delete(`/api/waitlist/${id}`).set('Cookie', me.cookie).expect(204);
    expect(await entriesOf(me.cookie)).toEqual([{ id, ticketId, quantity: 1, status: 'left' }]);
    expect((await entriesOf(next.cookie))[0].position).toBe(1);
    await request(app).delete(`/api/waitlist/${id}`).set('Cookie', me.cookie).expect(204);
    // Left, so may join again.
    await join(ticketId, me.cookie).expect(201);
  });
});

describe('offers', () => {
  it('offers seats that come back to the first waiting entry at once; nobody else can order them; its buyer can', async () => {
    const { ticketId, holders, line: [first, second] } = await soldOutWithLine([undefined, undefined]);
    const id = first.entryId;
    await cancel(holders[0]);

    const [entry] = await entriesOf(first.cookie);
    expect(entry).toEqual({ id, ticketId, quantity: 1, status: 'offered', offerExpiresAt: expect.any(String) });
    const left = new Date(entry.offerExpiresAt).getTime() - Date.now();
    expect(left).toBeGreaterThan((waitlistSettings.offerSeconds - 60) * 1000);
    await relay.flush();
    expect(bus.publishedData(Subjects.WaitlistOffered)).toEqual([{ id, userId: first.id, ticketId, quantity: 1, offerExpiresAt: entry.offerExpiresAt }]);
    expect((await entriesOf(second.cookie))[0]).toMatchObject({ status: 'waiting', position: 1 });

    expect((await order(ticketId, second.cookie).expect(400)).body).toEqual(refusal('Ticket is already reserved'));
    const placed = await order(ticketId, first.cookie).expect(201);
    expect((await entriesOf(first.cookie))[0]).toMatchObject({ status: 'done' });
    await relay.flush();
    expect(bus.publishedData(Subjects.WaitlistOfferEnded)).toEqual([{ id, ticketId, status: 'done' }]);
    const ticket = (await Ticket.findById(ticketId))!;
    expect(ticket.offers).toHaveLength(0);
    expect(ticket.holds.map((h) => String(h.orderId))).toEqual([placed.body.id]);
  });

  it('skips an earlier entry the returning seats do not fit, and serves it once they do', async () => {
    const { ticketId, holders, line: [pair, single] } = await soldOutWithLine([2, 1], 3);
    await cancel(holders[0]);
    expect((await entriesOf(pair.cookie))[0].status).toBe('waiting');
    expect((await entriesOf(single.cookie))[0].status).toBe('offered');
    await cancel(holders[1]);
    await cancel(holders[2]);
    expect((await entriesOf(pair.cookie))[0].status).toBe('offered');
    const ticket = (await Ticket.findById(ticketId))!;
    expect({ available: ticket.available, offered: ticket.offers.reduce((n, o) => n + o.quantity, 0) }).toEqual({ available: 0, offered: 3 });
  });

  it('passes an offer whose time passed to the next in line (the sweep), and seats back to available when nobody waits', async () => {
    const { ticketId, holders, line: [first, second] } = await soldOutWithLine([undefined, undefined]);
    await cancel(holders[0]);
    expect(await sweepWaitlist()).toEqual({ expired: 0, withdrawn: 0, offered: 0 });
    const later = new Date(Date.now() + (waitlistSettings.offerSeconds + 1) * 1000);
    expect((await sweepWaitlist(later)).expired).toBe(1);
    expect((await entriesOf(first.cookie))[0].status).toBe('expired');
    expect((await entriesOf(second.cookie))[0].status).toBe('offered');
    // Too late: the first buyer orders like anyone, and the seat is the second's.
    expect((await order(ticketId, first.cookie).expect(400)).body).toEqual(refusal('Ticket is already reserved'));
    await sweepWaitlist(new Date(later.getTime() + (waitlistSettings.offerSeconds + 1) * 1000));
    expect((await entriesOf(second.cookie))[0].status).toBe('expired');
    expect((await Ticket.findById(ticketId))!.available).toBe(1);
  });

  it('refuses the offered seats to their buyer once the offer has passed, even before the sweep ends it', async () => {
    const { ticketId, holders, line: [first] } = await soldOutWithLine([undefined]);
    await cancel(holders[0]);
    const later = new Date(Date.now() + (waitlistSettings.offerSeconds + 1) * 1000);
    await expect(placeOrder({ ticketId, userId: first.id, quantity: 1, windowSeconds: 900, fees: DEFAULT_FEES, now: later })).rejects.toThrow('Ticket is already reserved');
    expect((await entriesOf(first.cookie))[0].status).toBe('offered');
    expect((await Ticket.findById(ticketId))!.offers).toHaveLength(1);
  });

  it('passes the seats of a buyer who leaves during the offer to the next in line', async () => {
    const { ticketId, holders, line: [first, second] } = await soldOutWithLine([undefined, undefined]);
    const id = first.entryId;
    await cancel(holders[0]);
    await request(app).delete(`/api/waitlist/${id}`).set('Cookie', first.cookie).expect(204);
    expect((await entriesOf(first.cookie))[0].status).toBe('left');
    expect((await entriesOf(second.cookie))[0].status).toBe('offered');
    await relay.flush();
    expect(bus.publishedData(Subjects.WaitlistOfferEnded)).toEqual([{ id, ticketId, status: 'left' }]);
  });

  it('offers seats the seller adds (ticket:updated with a larger quantity)', async () => {
    const { ticketId } = await soldOut(2, {}, 2);
    const waiting = userCookie();
    await join(ticketId, waiting.cookie, 2).expect(201);
    expect(await bus.deliver(Subjects.TicketUpdated, { id: ticketId, version: 1, title: 'Gig', price: 25, userId: newId(), quantity: 4, fee: 3 })).toBe(true);
    expect((await entriesOf(waiting.cookie))[0].status).toBe('offered');
    expect((await Ticket.findById(ticketId))!.available).toBe(0);
  });

  it('lets the offered buyer order fewer seats than offered; the rest go to the next in line', async () => {
    const { ticketId, holders, line: [first, second] } = await soldOutWithLine([2, 1], 2, 2);
    await cancel(holders[0]);
    expect((await entriesOf(first.cookie))[0].status).toBe('offered');
    expect((await entriesOf(second.cookie))[0].status).toBe('waiting');
    await order(ticketId, first.cookie, 1).expect(201);
    expect((await entriesOf(first.cookie))[0].status).toBe('done');
    expect((await entriesOf(second.cookie))[0].status).toBe('offered');
    expect((await order(ticketId, signin(), 1).expect(400)).body).toEqual(refusal('Ticket is already reserved'));
  });

  it('orders more seats than offered like anyone else (the offer stays)', async () => {
    const { ticketId, holders, line: [first] } = await soldOutWithLine([1], 2);
    await cancel(holders[0]);
    expect((await order(ticketId, first.cookie, 2).expect(400)).body).toEqual(refusal('Ticket is already reserved'));
    expect((await entriesOf(first.cookie))[0].status).toBe('offered');
  });
});
