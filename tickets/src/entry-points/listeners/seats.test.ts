// Seats of a listing mirrored from order:created (hold), payment:created
// (sell) and order:cancelled (release), in any order and redelivered.
import request from 'supertest';
import { EventData, Subjects } from '@ticketing/common';
import { listenTo, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Ticket } from '../../data/ticket';
import { orderCreatedData, testPassKeys, testService, ticketState } from '../../test/app';
import { listenersOf } from '.';

useTestDatabase();
const { app, bus, published } = testService();
beforeAll(async () => {
  await listenTo(listenersOf(bus, testPassKeys()), Subjects.OrderCreated, Subjects.OrderCancelled, Subjects.PaymentCreated);
});
beforeEach(() => bus.clear());

/** A listing of `quantity` seats, made through the API. */
async function listing(quantity: number) {
  const res = await request(app).post('/api/tickets').set('Cookie', signin()).send({ title: 'Gig', price: 25, quantity }).expect(201);
  return res.body as { id: string; price: number };
}

const created = (ticket: { id: string; price: number }, quantity?: number): EventData<Subjects.OrderCreated> => ({
  ...orderCreatedData(ticket),
  ...(quantity === undefined ? {} : { quantity }),
});
const cancelled = (order: EventData<Subjects.OrderCreated>): EventData<Subjects.OrderCancelled> => ({
  id: order.id,
  version: 1,
  ticket: { id: order.ticket.id },
  ...(order.quantity ? { quantity: order.quantity } : {}),
});
const paid = (order: { id: string }): EventData<Subjects.PaymentCreated> => ({ id: newId(), orderId: order.id, stripeId: `pi_${order.id}` });

const counts = async (id: string) => {
  const t = (await Ticket.findById(id))!;
  return { held: t.held, sold: t.sold, available: t.available, status: t.status };
};

describe('seats of a listing', () => {
  it('holds each order\'s quantity, sells it on payment, and gives it back on cancel', async () => {
    const ticket = await listing(5);
    const a = created(ticket, 2);
    const b = created(ticket, 3);
    expect(await bus.deliver(Subjects.OrderCreated, a)).toBe(true);
    expect(await counts(ticket.id)).toEqual({ held: 2, sold: 0, available: 3, status: 'available' });
    expect(await bus.deliver(Subjects.OrderCreated, b)).toBe(true);
    expect(await counts(ticket.id)).toEqual({ held: 5, sold: 0, available: 0, status: 'reserved' });
    expect(await bus.deliver(Subjects.PaymentCreated, paid(b))).toBe(true);
    expect(await counts(ticket.id)).toEqual({ held: 2, sold: 3, available: 0, status: 'reserved' });
    expect(await bus.deliver(Subjects.OrderCancelled, cancelled(a))).toBe(true);
    expect(await counts(ticket.id)).toEqual({ held: 0, sold: 3, available: 2, status: 'available' });
    // Every change a new version, announced once; a listing of several seats has no version-1 orderId.
    const updates = await published(Subjects.TicketUpdated);
    expect(updates.map((u) => u.version)).toEqual([1, 2, 3, 4]);
    expect(updates.every((u) => !('orderId' in u) && u.quantity === 5)).toBe(true);
  });

  it('holds one seat for a version-1 order:created (no quantity)', async () => {
    const ticket = await listing(3);
    expect(await bus.deliver(Subjects.OrderCreated, created(ticket))).toBe(true);
    expect(await counts(ticket.id)).toEqual({ held: 1, sold: 0, available: 2, status: 'available' });
  });

  it('does not ack an order for more seats than are free until an earlier cancel frees them', async () => {
    const ticket = await listing(4);
    const a = created(ticket, 3);
    const b = created(ticket, 2);
    await bus.deliver(Subjects.OrderCreated, a);
    expect(await bus.deliver(Subjects.OrderCreated, b)).toBe(false);
    expect(await counts(ticket.id)).toEqual({ held: 3, sold: 0, available: 1, status: 'available' });
    await bus.deliver(Subjects.OrderCancelled, cancelled(a));
    expect(await bus.deliver(Subjects.OrderCreated, b, { deliveryCount: 2 })).toBe(true);
    expect(await counts(ticket.id)).toEqual({ held: 2, sold: 0, available: 2, status: 'available' });
  });

  it('gives an order\'s seats back exactly once, whatever the redeliveries', async () => {
    const ticket = await listing(4);
    const a = created(ticket, 2);
    const b = created(ticket, 2);
    const c = created(ticket, 2);
    const eventId = newId();
    await bus.deliver(Subjects.OrderCreated, a);
    await bus.deliver(Subjects.OrderCreated, b);
    await bus.deliver(Subjects.OrderCancelled, cancelled(a), { id: eventId });
    await bus.deliver(Subjects.OrderCreated, c);
    const after = await ticketState(ticket.id);
    // The same cancel again, and a's order:created again: nothing moves (c keeps its seats).
    expect(await bus.deliver(Subjects.OrderCancelled, cancelled(a), { id: eventId, deliveryCount: 2 })).toBe(true);
    expect(await bus.deliver(Subjects.OrderCreated, a, { deliveryCount: 2 })).toBe(true);
    expect(await ticketState(ticket.id)).toEqual(after);
    expect(await counts(ticket.id)).toEqual({ held: 4, sold: 0, available: 0, status: 'reserved' });
  });

  it('holds nothing for an order:created that arrives after its own order:cancelled', async () => {
    const ticket = await listing(2);
    const a = created(ticket, 2);
    expect(await bus.deliver(Subjects.OrderCancelled, cancelled(a))).toBe(true);
    // Bookkeeping only: no version, no event.
    expect((await Ticket.findById(ticket.id))!.version).toBe(0);
    expect(await bus.deliver(Subjects.OrderCreated, a)).toBe(true);
    expect(await counts(ticket.id)).toEqual({ held: 0, sold: 0, available: 2, status: 'available' });
    expect(await published(Subjects.TicketUpdated)).toEqual([]);
  });

  it('sells once however often payment:created comes, and waits for an order:created it overtook', async () => {
    const ticket = await listing(3);
    const a = created(ticket, 2);
    const payment = paid(a);
    expect(await bus.deliver(Subjects.PaymentCreated, payment)).toBe(false);
    await bus.deliver(Subjects.OrderCreated, a);
    expect(await bus.deliver(Subjects.PaymentCreated, payment, { deliveryCount: 2 })).toBe(true);
    const state = await ticketState(ticket.id);
    expect(await bus.deliver(Subjects.PaymentCreated, payment, { deliveryCount: 3 })).toBe(true);
    expect(await ticketState(ticket.id)).toEqual(state);
    expect(await counts(ticket.id)).toEqual({ held: 0, sold: 2, available: 1, status: 'available' });
  });

  it('voids a sale whose payment lost the race with the cancel: the seats are for sale again, once', async () => {
    const ticket = await listing(3);
    const a = created(ticket, 3);
    await bus.deliver(Subjects.OrderCreated, a);
    await bus.deliver(Subjects.PaymentCreated, paid(a));
    expect(await counts(ticket.id)).toEqual({ held: 0, sold: 3, available: 0, status: 'sold' });
    expect(await bus.deliver(Subjects.OrderCancelled, cancelled(a))).toBe(true);
    expect(await counts(ticket.id)).toEqual({ held: 0, sold: 0, available: 3, status: 'available' });
    // A late redelivery of its payment sells nothing.
    expect(await bus.deliver(Subjects.PaymentCreated, paid(a), { deliveryCount: 2 })).toBe(true);
    expect(await counts(ticket.id)).toEqual({ held: 0, sold: 0, available: 3, status: 'available' });
  });

  it('keeps version 1\'s orderId on a one-seat listing: the holder, then the buyer, then none once cancelled', async () => {
    const ticket = await listing(1);
    const a = created(ticket);
    await bus.deliver(Subjects.OrderCreated, a);
    await bus.deliver(Subjects.PaymentCreated, paid(a));
    await bus.deliver(Subjects.OrderCancelled, cancelled(a));
    expect((await published(Subjects.TicketUpdated)).map((u) => u.orderId)).toEqual([a.id, a.id, undefined]);
  });
});
