import mongoose from 'mongoose';
import { OrderStatus, Subjects } from '@ticketing/common';
import { useTestDatabase, waitFor } from '@ticketing/common/testing';
import { Order } from '../../data/order';
import { Ticket } from '../../data/ticket';
import { createOrder, createTicket, holderOf, testBus, testHolds } from '../../test/app';
import { OrderSweeper } from './order-sweeper';
import { completeOrder } from '../../domain/orders';

useTestDatabase();
const { bus, relay } = testBus();
const holds = testHolds();
beforeEach(() => bus.clear());

const GRACE_MS = 60000;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60000);

describe('order sweep', () => {
  it('cancels created orders long past expiresAt, publishes order:cancelled and frees their tickets', async () => {
    // Placed 20 minutes ago with a 15-minute window: expired 5 minutes ago, yet still created.
    const { order: stale, ticket } = await createOrder({ now: minutesAgo(20) });
    // Expired 30 s ago: still inside the grace period, expiration:complete may be on its way.
    const { order: recent } = await createOrder({ now: new Date(Date.now() - 930 * 1000) });
    const { order: live } = await createOrder();
    await relay.flush();
    bus.clear();

    const result = await new OrderSweeper({ intervalMs: 60000, graceMs: GRACE_MS, holds }).sweep();
    expect(result).toEqual({ cancelled: 1, released: 0 });
    expect(await Order.findById(stale.id)).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
    expect(await holderOf(ticket.id)).toBeNull();
    expect((await Order.findById(recent.id))!.status).toBe(OrderStatus.Created);
    expect((await Order.findById(live.id))!.status).toBe(OrderStatus.Created);
    await relay.flush();
    expect(bus.publishedData(Subjects.OrderCancelled)).toEqual([{ id: stale.id, version: 1, ticket: { id: ticket.id }, quantity: 1 }]);

    // A second sweep finds nothing more to do.
    bus.clear();
    expect(await new OrderSweeper({ intervalMs: 60000, graceMs: GRACE_MS, holds }).sweep()).toEqual({ cancelled: 0, released: 0 });
    await relay.flush();
    expect(bus.published).toHaveLength(0);
  });

  it('leaves complete orders alone', async () => {
    const { order, ticket } = await createOrder({ now: minutesAgo(60) });
    await completeOrder(order.id, holds);
    expect(await new OrderSweeper({ intervalMs: 60000, graceMs: GRACE_MS, holds }).sweep()).toEqual({ cancelled: 0, released: 0 });
    expect((await Order.findById(order.id))!.status).toBe(OrderStatus.Complete);
    expect(await holderOf(ticket.id)).toBe(order.id);
  });

  it('frees a reservation whose order was never written, once it is old enough', async () => {
    const orphaned = await createTicket();
    const young = await createTicket();
    const ghost = new mongoose.Types.ObjectId();
    await Ticket.updateOne({ _id: orphaned.id }, { $inc: { available: -1 }, $push: { holds: { orderId: ghost, quantity: 1, takenAt: minutesAgo(5) } } });
    // Maybe a request still writing its order.
    await Ticket.updateOne({ _id: young.id }, { $inc: { available: -1 }, $push: { holds: { orderId: new mongoose.Types.ObjectId(), quantity: 1, takenAt: new Date() } } });

    const result = await new OrderSweeper({ intervalMs: 60000, graceMs: 0, holds }).sweep();
    expect(result).toEqual({ cancelled: 0, released: 1 });
    expect(await holderOf(orphaned.id)).toBeNull();
    expect(await holderOf(young.id)).not.toBeNull();
  });

  it('gives back only the orphaned hold of a listing of several seats, leaving live orders their seats', async () => {
    const listing = await createTicket({ quantity: 6 });
    const { order: live } = await createOrder({ ticket: listing, quantity: 2, now: minutesAgo(5) });
    const ghost = new mongoose.Types.ObjectId();
    await Ticket.updateOne({ _id: listing.id }, { $inc: { available: -3 }, $push: { holds: { orderId: ghost, quantity: 3, takenAt: minutesAgo(5) } } });

    expect(await new OrderSweeper({ intervalMs: 60000, graceMs: 0, holds }).sweep()).toEqual({ cancelled: 0, released: 1 });
    const replica = (await Ticket.findById(listing.id))!;
    expect({ available: replica.available, holds: replica.holds.map((h) => [String(h.orderId), h.quantity]) }).toEqual({
      available: 4,
      holds: [[live.id, 2]],
    });
  });

  it('frees the ticket of an order that was cancelled but not released', async () => {
    const { order, ticket } = await createOrder({ now: minutesAgo(5) });
    await Order.updateOne({ _id: order._id }, { $set: { status: OrderStatus.Cancelled, version: 1 } });
    const result = await new OrderSweeper({ intervalMs: 60000, graceMs: GRACE_MS, holds }).sweep();
    expect(result).toEqual({ cancelled: 0, released: 1 });
    expect(await holderOf(ticket.id)).toBeNull();
  });

  it('runs on its interval once started, and stops', async () => {
    const { order } = await createOrder({ now: minutesAgo(20) });
    const sweeper = new OrderSweeper({ intervalMs: 100, graceMs: GRACE_MS, holds });
    sweeper.start();
    try {
      await waitFor(async () => (await Order.findById(order.id))!.status === OrderStatus.Cancelled);
    } finally {
      await sweeper.stop();
    }
  });
});
