// The buyer guarantee in orders: event:cancelled cancels the event's unpaid
// orders (EventCancelledListener in event-listeners.ts), payment:refunded
// moves a paid one to refunded (payment-refunded-listener.ts).
import request from 'supertest';
import { EventCategory, EventStatus, OrderStatus, Subjects } from '@ticketing/common';
import { listenTo, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { EventReplica } from '../../data/event';
import { Order } from '../../data/order';
import { Ticket } from '../../data/ticket';
import { completeOrder } from '../../domain/orders';
import { createOrder, createTicket, testApp, testBus, testHolds } from '../../test/app';
import { listenersOf } from '.';

useTestDatabase();
const { bus, relay } = testBus();
const holds = testHolds();
const app = testApp(bus, {}, undefined, holds);

beforeAll(() => listenTo(listenersOf(bus, holds), Subjects.EventCreated, Subjects.EventCancelled, Subjects.PaymentRefunded));
beforeEach(() => bus.clear());

const gig = () => ({
  id: newId(),
  version: 0,
  name: 'Gig',
  venue: 'Hall',
  city: 'Oslo',
  startsAt: new Date(Date.now() + 86400000).toISOString(),
  category: EventCategory.Concert,
  status: EventStatus.Scheduled,
  organizerId: newId(),
});
const cancelledOf = (event: ReturnType<typeof gig>) => ({ ...event, version: 1, status: EventStatus.Cancelled });
const refunded = (orderId: string) => ({ id: newId(), orderId, stripeRefundId: `re_${newId()}`, amount: 2800 });

/** An event with two listings of four seats, `paid` orders paid and `unpaid` not, plus an unpaid order of another event. */
async function eventWithOrders(paid: number, unpaid: number) {
  const event = gig();
  expect(await bus.deliver(Subjects.EventCreated, event)).toBe(true);
  const listings = [await createTicket({ eventId: event.id, quantity: 4 }), await createTicket({ eventId: event.id, quantity: 4 })];
  const paidOrders = [];
  for (let i = 0; i < paid; i += 1) {
    const { order } = await createOrder({ ticket: listings[i % 2] });
    await completeOrder(order.id, holds);
    paidOrders.push(order);
  }
  const unpaidOrders = [];
  for (let i = 0; i < unpaid; i += 1) unpaidOrders.push((await createOrder({ ticket: listings[(i + 1) % 2] })).order);
  const other = (await createOrder({ ticket: await createTicket({ eventId: newId() }) })).order;
  await relay.flush();
  bus.clear();
  return { event, listings, paidOrders, unpaidOrders, other };
}

const statusOf = async (orderId: string) => (await Order.findById(orderId))!.status;
const seatsOf = async (ticketId: string) => {
  const t = (await Ticket.findById(ticketId))!;
  const sum = (hs: Array<{ quantity: number }>) => hs.reduce((n, h) => n + h.quantity, 0);
  return { available: t.available, held: sum(t.holds), sold: sum(t.sales) };
};

describe('event:cancelled listener (orders)', () => {
  it('cancels every unpaid order of the event through the normal cancel (order:cancelled, seats back), leaves paid ones to payments, and acks', async () => {
    const { event, listings, paidOrders, unpaidOrders, other } = await eventWithOrders(2, 3);
    expect(await bus.deliver(Subjects.EventCancelled, cancelledOf(event))).toBe(true);

    for (const o of unpaidOrders) expect(await statusOf(o.id)).toBe(OrderStatus.Cancelled);
    for (const o of paidOrders) expect(await statusOf(o.id)).toBe(OrderStatus.Complete);
    expect(await statusOf(other.id)).toBe(OrderStatus.Created);
    expect((await EventReplica.findById(event.id))!.status).toBe(EventStatus.Cancelled);
    await relay.flush();
    expect(bus.publishedData(Subjects.OrderCancelled).map((e) => e.id).sort()).toEqual(unpaidOrders.map((o) => o.id).sort());
    expect(bus.publishedData(Subjects.OrderCancelled).every((e) => e.version === 1)).toBe(true);
    // Sold seats stay sold; held ones came back.
    expect(await seatsOf(listings[0].id)).toEqual({ available: 3, held: 0, sold: 1 });
    expect(await seatsOf(listings[1].id)).toEqual({ available: 3, held: 0, sold: 1 });
  });

  it('changes nothing more when delivered again or twice at once, and keeps refusing new orders', async () => {
    const { event, listings, unpaidOrders } = await eventWithOrders(1, 2);
    const envelope = { id: 'evt-cancel', subject: Subjects.EventCancelled as const, time: new Date().toISOString(), data: cancelledOf(event) };
    expect(await Promise.all([bus.deliverEnvelope(envelope), bus.deliverEnvelope(envelope, 1)])).toEqual([true, true]);
    expect(await bus.deliverEnvelope(envelope, 2)).toBe(true);
    await relay.flush();
    expect(bus.publishedData(Subjects.OrderCancelled).map((e) => e.id).sort()).toEqual(unpaidOrders.map((o) => o.id).sort());
    const res = await request(app).post('/api/orders').set('Cookie', signin()).send({ ticketId: listings[0].id, quantity: 1 }).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Event is not on sale' }] });
  });
});

describe('payment:refunded listener', () => {
  it('moves a paid order to refunded (GET shows it), once, its seats staying sold; publishes nothing', async () => {
    const { listings, paidOrders } = await eventWithOrders(1, 0);
    const [order] = paidOrders;
    const data = refunded(order.id);
    expect(await bus.deliver(Subjects.PaymentRefunded, data, { id: 'evt-refund' })).toBe(true);
    expect(await bus.deliver(Subjects.PaymentRefunded, data, { id: 'evt-refund', deliveryCount: 2 })).toBe(true);
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Refunded, version: 0 });
    expect(await seatsOf(listings[0].id)).toEqual({ available: 3, held: 0, sold: 1 });
    const shown = await request(app).get(`/api/orders/${order.id}`).set('Cookie', signin({ id: order.userId })).expect(200);
    expect(shown.body.status).toBe('refunded');
    const listed = await request(app).get('/api/orders').set('Cookie', signin({ id: order.userId })).expect(200);
    expect(listed.body.map((o: { status: string }) => o.status)).toEqual(['refunded']);
    // A refunded order is not cancelled by anyone (the buyer, an expiry, its event).
    await request(app).delete(`/api/orders/${order.id}`).set('Cookie', signin({ id: order.userId })).expect(400);
    expect(await statusOf(order.id)).toBe(OrderStatus.Refunded);
    await relay.flush();
    expect(bus.published).toHaveLength(0);
  });

  it('leaves a cancelled order cancelled, and waits ("not yet") for an order whose payment:created has not arrived', async () => {
    const { event, unpaidOrders } = await eventWithOrders(0, 1);
    const [order] = unpaidOrders;
    expect(await bus.deliver(Subjects.PaymentRefunded, refunded(order.id))).toBe(false);
    expect(await statusOf(order.id)).toBe(OrderStatus.Created);
    expect(await bus.deliver(Subjects.EventCancelled, cancelledOf(event))).toBe(true);
    expect(await bus.deliver(Subjects.PaymentRefunded, refunded(order.id))).toBe(true);
    expect(await statusOf(order.id)).toBe(OrderStatus.Cancelled);
    // An unknown order is acked (logged).
    expect(await bus.deliver(Subjects.PaymentRefunded, refunded(newId()))).toBe(true);
  });
});
