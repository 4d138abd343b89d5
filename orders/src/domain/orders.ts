import mongoose from 'mongoose';
import { awaitReplica, BadRequestError, logger, NotFoundError, OrderStatus, pushEvent, stageEvent, Subjects } from '@ticketing/common';
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
  stageEvent(order, Subjects.OrderCreated, {
    id: order.id,
    version: 0,
    status: OrderStatus.Created,
    userId,
    expiresAt: order.expiresAt.toISOString(),
    ticket: { id: reserved.id, price: reserved.price },
  });
  try {
    await order.save();
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
    const version = order.version + 1;
    const cancelled = await Order.findOneAndUpdate(
      { _id: order._id, status: OrderStatus.Created, version: order.version },
      {
        $set: { status: OrderStatus.Cancelled, version },
        ...pushEvent(Subjects.OrderCancelled, { id: order.id, version, ticket: { id: String(order.ticket._id) } }),
      },
      { new: true },
    );
    // Someone else changed it meanwhile (a payment, another cancel): look again.
    if (!cancelled) continue;
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
