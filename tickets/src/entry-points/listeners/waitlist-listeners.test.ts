// Offers of the waiting list (docs/waitlist.md) mirrored from orders:
// offered seats are not available, and come back once the offer ends,
// whatever the order of arrival and however often each event comes.
import request from 'supertest';
import { EventData, Subjects } from '@ticketing/common';
import { listenTo, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Ticket } from '../../data/ticket';
import { orderCreatedData, testPassKeys, testService } from '../../test/app';
import { listenersOf } from '.';

useTestDatabase();
const { app, bus } = testService();
beforeAll(() => listenTo(listenersOf(bus, testPassKeys()), Subjects.OrderCreated, Subjects.OrderCancelled, Subjects.WaitlistOffered, Subjects.WaitlistOfferEnded));
beforeEach(() => bus.clear());

async function listing(quantity: number) {
  const res = await request(app).post('/api/tickets').set('Cookie', signin()).send({ title: 'Gig', price: 25, quantity }).expect(201);
  return res.body as { id: string; price: number };
}
const offered = (ticketId: string, quantity: number): EventData<Subjects.WaitlistOffered> => ({
  id: newId(),
  userId: newId(),
  ticketId,
  quantity,
  offerExpiresAt: new Date(Date.now() + 600000).toISOString(),
});
const ended = (offer: EventData<Subjects.WaitlistOffered>, status: 'done' | 'expired' | 'left'): EventData<Subjects.WaitlistOfferEnded> => ({
  id: offer.id,
  ticketId: offer.ticketId,
  status,
});
const shown = async (id: string) => (await request(app).get(`/api/tickets/${id}`).expect(200)).body.available;

describe('waitlist offers in the listing', () => {
  it('takes offered seats out of available and gives them back once when the offer ends', async () => {
    const ticket = await listing(3);
    const offer = offered(ticket.id, 2);
    expect(await bus.deliver(Subjects.WaitlistOffered, offer)).toBe(true);
    expect(await bus.deliver(Subjects.WaitlistOffered, offer)).toBe(true);
    expect(await shown(ticket.id)).toBe(1);
    expect(await bus.deliver(Subjects.WaitlistOfferEnded, ended(offer, 'expired'))).toBe(true);
    expect(await bus.deliver(Subjects.WaitlistOfferEnded, ended(offer, 'expired'))).toBe(true);
    expect(await shown(ticket.id)).toBe(3);
  });

  it('ignores an offer whose end arrived first', async () => {
    const ticket = await listing(2);
    const offer = offered(ticket.id, 2);
    expect(await bus.deliver(Subjects.WaitlistOfferEnded, ended(offer, 'left'))).toBe(true);
    expect(await bus.deliver(Subjects.WaitlistOffered, offer)).toBe(true);
    expect(await shown(ticket.id)).toBe(2);
  });

  it("holds an offer's seats for the order made from it once the offer's end is in (order:created waits for it)", async () => {
    const ticket = await listing(2);
    const offer = offered(ticket.id, 2);
    expect(await bus.deliver(Subjects.WaitlistOffered, offer)).toBe(true);
    const order = { ...orderCreatedData(ticket), quantity: 2 };
    // The order's seats are still the offer's here: not yet.
    expect(await bus.deliver(Subjects.OrderCreated, order)).toBe(false);
    expect(await bus.deliver(Subjects.WaitlistOfferEnded, ended(offer, 'done'))).toBe(true);
    expect(await bus.deliver(Subjects.OrderCreated, order)).toBe(true);
    const t = (await Ticket.findById(ticket.id))!;
    expect({ held: t.held, available: t.available, holds: t.holds.map((h) => h.orderId) }).toEqual({ held: 2, available: 0, holds: [order.id] });
  });
});
