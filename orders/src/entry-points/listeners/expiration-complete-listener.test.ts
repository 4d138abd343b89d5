import { OrderStatus, Subjects } from '@ticketing/common';
import { listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import mongoose from 'mongoose';
import { Order, OrderDoc } from '../../data/order';
import { Ticket } from '../../data/ticket';
import { cancelOrder, completeOrder } from '../../domain/orders';
import { createOrder, createTicket, holderOf, testBus, testHolds } from '../../test/app';
import { listenersOf } from '.';

useTestDatabase();
const { bus, relay } = testBus();
const holds = testHolds();
beforeAll(() => listenTo(listenersOf(bus, holds), Subjects.ExpirationComplete));
beforeEach(() => bus.clear());

/** An order as it stands when its expiration fires: created, order:created already published. */
async function expiringOrder() {
  const placed = await createOrder();
  await relay.flush();
  bus.clear();
  return placed;
}

describe('expiration:complete listener', () => {
  it('cancels the order, frees the ticket, publishes order:cancelled and acks', async () => {
    const { order, ticket } = await expiringOrder();
    expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: order.id })).toBe(true);

    const stored = await Order.findById(order.id);
    expect(stored!.status).toBe(OrderStatus.Cancelled);
    expect(stored!.version).toBe(1);
    expect(await holderOf(ticket.id)).toBeNull();
    await relay.flush();
    expect(bus.publishedData(Subjects.OrderCancelled)).toEqual([{ id: order.id, version: 1, ticket: { id: ticket.id }, quantity: 1 }]);
  });

  it('leaves the state as after one delivery when the event comes twice', async () => {
    const { order } = await expiringOrder();
    const eventId = newId();
    expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: order.id }, { id: eventId })).toBe(true);
    expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: order.id }, { id: eventId, deliveryCount: 2 })).toBe(true);
    const stored = await Order.findById(order.id);
    expect(stored).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
    await relay.flush();
    expect(bus.publishedData(Subjects.OrderCancelled)).toHaveLength(1);
  });

  it('never cancels a completed order', async () => {
    const { order, ticket } = await expiringOrder();
    await completeOrder(order.id, holds);
    expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: order.id })).toBe(true);
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Complete, version: 0 });
    expect(await holderOf(ticket.id)).toBe(order.id);
    await relay.flush();
    expect(bus.published).toHaveLength(0);
  });

  it('changes nothing for an order its buyer already cancelled', async () => {
    const { order } = await expiringOrder();
    await cancelOrder(order.id, holds);
    await relay.flush();
    bus.clear();
    expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: order.id })).toBe(true);
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
    await relay.flush();
    expect(bus.published).toHaveLength(0);
  });

  it('does not free the ticket when a newer order holds it', async () => {
    const ticket = await createTicket();
    const { order: old } = await createOrder({ ticket });
    await cancelOrder(old.id, holds);
    const { order: newer } = await createOrder({ ticket });
    expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: old.id })).toBe(true);
    expect(await holderOf(ticket.id)).toBe(newer.id);
    expect((await Order.findById(newer.id))!.status).toBe(OrderStatus.Created);
  });

  it('frees the ticket on a redelivery when the first attempt stopped after cancelling', async () => {
    const { order, ticket } = await expiringOrder();
    const release = jest.spyOn(Ticket, 'updateOne').mockRejectedValueOnce(new Error('database went away'));
    try {
      expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: order.id })).toBe(false);
    } finally {
      release.mockRestore();
    }
    expect((await Order.findById(order.id))!.status).toBe(OrderStatus.Cancelled);
    expect(await holderOf(ticket.id)).toBe(order.id);

    expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: order.id }, { deliveryCount: 2 })).toBe(true);
    expect(await holderOf(ticket.id)).toBeNull();
    await relay.flush();
    expect(bus.publishedData(Subjects.OrderCancelled)).toHaveLength(1);
  });

  it('an order that keeps changing under the cancel: not acked (a "not yet", delivered again), after a bounded number of tries', async () => {
    const { order, ticket } = await expiringOrder();
    const lostRace = jest.spyOn(Order.prototype, 'save').mockImplementation(function (this: OrderDoc) {
      return Promise.reject(new mongoose.Error.VersionError(this, 0, ['status']));
    });
    try {
      expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: order.id })).toBe(false);
      expect(lostRace).toHaveBeenCalledTimes(5);
    } finally {
      lostRace.mockRestore();
    }
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Created, version: 0 });

    expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: order.id }, { deliveryCount: 2 })).toBe(true);
    expect(await Order.findById(order.id)).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
    expect(await holderOf(ticket.id)).toBeNull();
  });

  it('acks an expiration for an order it does not know, changing nothing', async () => {
    expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: newId() })).toBe(true);
    expect(await bus.deliver(Subjects.ExpirationComplete, { orderId: 'garbage' })).toBe(true);
    expect(await Order.countDocuments()).toBe(0);
    expect(bus.published).toHaveLength(0);
  });
});
