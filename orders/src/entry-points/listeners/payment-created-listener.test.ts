import { OrderStatus, Subjects } from '@ticketing/common';
import { listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { Order } from '../../data/order';
import { cancelOrder } from '../../domain/orders';
import { createOrder, holderOf, soldTo, testBus, testHolds } from '../../test/app';
import { listenersOf } from '.';

useTestDatabase();
const { bus, relay } = testBus();
const holds = testHolds();
beforeAll(async () => {
  await listenTo(listenersOf(bus, holds), Subjects.PaymentCreated, Subjects.ExpirationComplete);
});
beforeEach(() => bus.clear());

async function payableOrder() {
  const placed = await createOrder();
  await relay.flush();
  bus.clear();
  return placed;
}

const payment = (orderId: string) => ({ id: newId(), orderId, stripeId: `ch_${newId()}` });

describe('payment:created listener', () => {
  it('completes the order, keeps the ticket sold, publishes nothing and acks', async () => {
    const { order, ticket } = await payableOrder();
    expect(await bus.deliver(Subjects.PaymentCreated, payment(order.id))).toBe(true);

    // No event describes completion, so the replicated version stays where it was published.
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 0 });
    expect(await holderOf(ticket.id)).toBe(order.id);
    expect(await soldTo(ticket.id, order.id)).toBe(true);
    await relay.flush();
    expect(bus.published).toHaveLength(0);
  });

  it('leaves the state as after one delivery when the event comes twice', async () => {
    const { order } = await payableOrder();
    const data = payment(order.id);
    const eventId = newId();
    expect(await bus.deliver(Subjects.PaymentCreated, data, { id: eventId })).toBe(true);
    expect(await bus.deliver(Subjects.PaymentCreated, data, { id: eventId, deliveryCount: 2 })).toBe(true);
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 0 });
    await relay.flush();
    expect(bus.published).toHaveLength(0);
  });

  it('leaves a cancelled order cancelled and its ticket free (payments refunds the charge)', async () => {
    const { order, ticket } = await payableOrder();
    await cancelOrder(order.id, holds);
    await relay.flush();
    bus.clear();

    expect(await bus.deliver(Subjects.PaymentCreated, payment(order.id))).toBe(true);
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
    expect(await holderOf(ticket.id)).toBeNull();
    expect(await soldTo(ticket.id, order.id)).toBe(false);
    await relay.flush();
    expect(bus.published).toHaveLength(0);
  });

  it('wins over an expiration that arrives after it', async () => {
    const { order } = await payableOrder();
    await bus.deliver(Subjects.PaymentCreated, payment(order.id));
    expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: order.id })).toBe(true);
    expect((await Order.findById(order.id))!.status).toBe(OrderStatus.Complete);
    await relay.flush();
    expect(bus.published).toHaveLength(0);
  });

  it('acks a payment for an order it does not know, changing nothing', async () => {
    expect(await bus.deliver(Subjects.PaymentCreated, payment(newId()))).toBe(true);
    expect(await bus.deliver(Subjects.PaymentCreated, payment('garbage'))).toBe(true);
    expect(await Order.countDocuments()).toBe(0);
  });
});
