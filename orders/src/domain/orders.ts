import mongoose from 'mongoose';
import { awaitReplica, BadRequestError, logger, NotAuthorizedError, NotFoundError, OrderStatus, saveWithEvent, Subjects } from '@ticketing/common';
import { Order, OrderDoc } from '../data/order';
import { Ticket } from '../data/ticket';
import { holdEnded } from './hold-limit';

type Id = string | mongoose.Types.ObjectId;

export interface PlaceOrderInput {
  ticketId: string;
  userId: string;
  windowSeconds: number;
  now?: Date;
}

/**
 * Reserves the ticket and creates the order with order:created in its outbox.
 *
 * The reservation is one conditional write on the replica (it matches only
 * while the ticket is free), so of N concurrent requests exactly one wins.
 * The order id is generated first so the reservation can name it; if writing
 * the order fails, the reservation is released again.
 */
export async function placeOrder({ ticketId, userId, windowSeconds, now = new Date() }: PlaceOrderInput): Promise<OrderDoc> {
  // The ticket may be a few ms behind its ticket:created event.
  const ticket = await awaitReplica(() => Ticket.findById(ticketId).exec());
  if (!ticket) throw new NotFoundError();
  if (ticket.userId === userId) throw new BadRequestError('You cannot buy your own ticket');

  const orderId = new mongoose.Types.ObjectId();
  const reserved = await Ticket.findOneAndUpdate(
    { _id: ticket._id, reservedBy: null },
    { $set: { reservedBy: orderId, reservedAt: now } },
    { new: true },
  );
  if (!reserved) throw new BadRequestError('Ticket is already reserved');

  const order = Order.build({
    id: orderId,
    userId,
    status: OrderStatus.Created,
    expiresAt: new Date(now.getTime() + windowSeconds * 1000),
    ticket: reserved,
  });
  const created = {
    id: order.id,
    version: 0,
    status: OrderStatus.Created,
    userId,
    expiresAt: order.expiresAt.toISOString(),
    ticket: { id: reserved.id, price: reserved.price },
  };
  try {
    await saveWithEvent(order, Subjects.OrderCreated, created);
  } catch (err) {
    await releaseTicket(reserved._id, orderId).catch((releaseErr) =>
      logger.error({ err: releaseErr, orderId: String(orderId) }, 'could not release the reservation; the sweep will'),
    );
    throw err;
  }
  return order;
}

/** Frees the ticket only if this order still holds it: a cancel never frees a ticket held by a newer order. */
export async function releaseTicket(ticketId: Id, orderId: Id): Promise<boolean> {
  const result = await Ticket.updateOne(
    { _id: ticketId, reservedBy: orderId, sold: { $ne: true } },
    { $set: { reservedBy: null, reservedAt: null } },
  );
  return result.modifiedCount === 1;
}

export type CancelOutcome = 'cancelled' | 'already-cancelled' | 'complete' | 'not-found';

/**
 * Moves an order from created to cancelled, staging order:cancelled in the
 * same conditional write, then frees its ticket. Only a created order
 * changes: a cancelled one stays as it is (nothing is published again) and
 * a complete one is never cancelled. The write is conditional on the version
 * read, so the published version is exactly the stored one.
 *
 * The ticket is released on every call for a cancelled order, so a retry
 * after a failure between the two writes finishes the job.
 */
export async function cancelOrder(orderId: Id): Promise<CancelOutcome> {
  for (;;) {
    const order = await Order.findById(orderId);
    if (!order) return 'not-found';
    if (order.status === OrderStatus.Complete) return 'complete';
    if (order.status === OrderStatus.Cancelled) {
      await releaseTicket(order.ticket._id, order._id);
      return 'already-cancelled';
    }
    order.set({ status: OrderStatus.Cancelled });
    // Conditional on the version read (mongoose's check) and on still being created: a payment completes
    // an order without a new version, so the status is a precondition of its own.
    try {
      const cancelled = { id: order.id, version: order.version + 1, ticket: { id: String(order.ticket._id) } };
      await saveWithEvent(order, Subjects.OrderCancelled, cancelled, { status: OrderStatus.Created });
    } catch (err) {
      // Someone else changed it meanwhile (a payment, another cancel): look again.
      if (err instanceof mongoose.Error.VersionError) continue;
      throw err;
    }
    await releaseTicket(order.ticket._id, order._id);
    await holdEnded(order, 'cancelled');
    return 'cancelled';
  }
}

export type CompleteOutcome = 'complete' | 'already-complete' | 'cancelled' | 'not-found';

/**
 * A payment arrived: created → complete. A cancelled order stays cancelled
 * (the payments service refunds the charge). The version is not bumped:
 * no event describes this change, and every bump of a replicated record
 * must be published.
 */
export async function completeOrder(orderId: Id): Promise<CompleteOutcome> {
  const completed = await Order.findOneAndUpdate(
    { _id: orderId, status: OrderStatus.Created },
    { $set: { status: OrderStatus.Complete } },
    { new: true },
  );
  const order = completed ?? (await Order.findById(orderId));
  if (!order) return 'not-found';
  if (order.status === OrderStatus.Cancelled) return 'cancelled';
  // The reservation becomes final (also on a redelivery, should the first attempt have stopped here).
  await Ticket.updateOne({ _id: order.ticket._id, reservedBy: order._id }, { $set: { sold: true } });
  await holdEnded(order, 'paid');
  return completed ? 'complete' : 'already-complete';
}

/** A buyer's orders, newest first, each with its ticket. */
export function ordersOf(userId: string): Promise<OrderDoc[]> {
  return Order.find({ userId }).sort({ createdAt: -1, _id: -1 }).populate('ticket');
}

/** One order with its ticket, shown only to the user who placed it. */
export async function orderOf(orderId: string, userId: string): Promise<OrderDoc> {
  const order = await Order.findById(orderId).populate('ticket');
  if (!order) throw new NotFoundError();
  if (order.userId !== userId) throw new NotAuthorizedError();
  return order;
}

/**
 * The buyer cancels their order. Cancelling twice is not an error: the
 * second call changes nothing and publishes nothing. A paid order stays paid.
 */
export async function cancelOrderOf(orderId: string, userId: string): Promise<void> {
  const order = await Order.findById(orderId);
  if (!order) throw new NotFoundError();
  if (order.userId !== userId) throw new NotAuthorizedError();
  const outcome = await cancelOrder(order._id);
  if (outcome === 'complete') throw new BadRequestError('Cannot cancel a completed order');
  if (outcome === 'not-found') throw new NotFoundError();
}
