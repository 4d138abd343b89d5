import { OrderStatus, Subjects } from '@ticketing/common';
import { InMemoryBus, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { Order, orderIdsOfEvent } from '../../data/order';
import { testStripe } from '../../test/stripe';
import { listenersOf } from '.';

useTestDatabase();

const bus = new InMemoryBus();
beforeAll(() => listenTo(listenersOf(bus, testStripe().stripe), Subjects.OrderCreated));
beforeEach(() => bus.clear());

const orderCreated = () => ({
  id: newId(),
  version: 0,
  status: OrderStatus.Created,
  userId: newId(),
  expiresAt: new Date(Date.now() + 15 * 60 * 1000).toISOString(),
  ticket: { id: newId(), price: 19.99 },
});

describe('order:created listener', () => {
  it('stores the order replica and acks', async () => {
    const data = orderCreated();
    expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(true);
    const order = await Order.findById(data.id);
    expect(order!.toJSON()).toEqual({
      id: data.id,
      userId: data.userId,
      price: 19.99,
      status: OrderStatus.Created,
      version: 0,
      expiresAt: new Date(data.expiresAt),
      ticketId: data.ticket.id,
    });
    expect(bus.published).toHaveLength(0);
  });

  it('keeps what the seller\'s payout needs of a version-2 order: seller, event, quantity, unit price', async () => {
    const base = orderCreated();
    const data = { ...base, ticket: { ...base.ticket, price: 25, userId: newId(), eventId: newId() }, quantity: 3, fee: 3, total: 84 };
    expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(true);
    expect((await Order.findById(data.id))!.toJSON()).toMatchObject({
      price: 25,
      total: 84,
      quantity: 3,
      ticketId: data.ticket.id,
      sellerId: data.ticket.userId,
      eventId: data.ticket.eventId,
    });
  });

  it('acks a duplicate delivery and keeps one replica, unchanged', async () => {
    const data = orderCreated();
    await bus.deliver(Subjects.OrderCreated, data, { id: 'evt-1' });
    const envelope = { id: 'evt-1', subject: Subjects.OrderCreated as const, time: new Date().toISOString(), data };
    expect(await bus.deliverEnvelope(envelope, 2)).toBe(true);
    expect(await Order.countDocuments({ _id: data.id })).toBe(1);
    expect((await Order.findById(data.id))!.toJSON()).toMatchObject({ version: 0, status: OrderStatus.Created, price: 19.99 });
    expect(bus.published).toHaveLength(0);
  });
});

describe("order:created listener and the listing's event", () => {
  it('keeps the event of the order (ticket.eventId), which the buyer guarantee finds its orders by', async () => {
    const data = { ...orderCreated(), ticket: { id: newId(), price: 25, userId: newId(), eventId: newId() } };
    expect(await bus.deliver(Subjects.OrderCreated, data)).toBe(true);
    expect((await Order.findById(data.id))!.eventId).toBe(data.ticket.eventId);
    expect(await orderIdsOfEvent(data.ticket.eventId)).toEqual([data.id]);
  });
});
