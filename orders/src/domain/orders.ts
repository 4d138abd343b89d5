import mongoose from 'mongoose';
import {
  awaitReplica,
  BadRequestError,
  logger,
  NotAuthorizedError,
  NotFoundError,
  NotYetError,
  OrderStatus,
  retry,
  saveWithEvent,
  Subjects,
} from '@ticketing/common';
import { Order, OrderDoc } from '../data/order';
import { markTicketSold, Ticket } from '../data/ticket';
import { HoldLimit, holdEnded } from './hold-limit';

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
 * Rounds a cancel may lose to other changes of the order before it gives
 * up: each lost round means a payment or another cancel moved the order,
 * which the next read sees, so a few always suffice.
 */
const CANCEL_ATTEMPTS = 5;

const lostRace = (err: unknown) => err instanceof mongoose.Error.VersionError;

/**
 * Moves an order from created to cancelled, staging order:cancelled in the
 * same conditional write, then frees its ticket. Only a created order
 * changes: a cancelled one stays as it is (nothing is published again) and
 * a complete one is never cancelled. The write is conditional on the version
 * read, so the published version is exactly the stored one.
 *
 * The ticket is released on every call for a cancelled order, so a retry
 * after a failure between the two writes finishes the job. A cancel that
 * lost CANCEL_ATTEMPTS rounds in a row rejects with the VersionError: the
 * caller answers 409, redelivers the event or sweeps again later.
 */
export function cancelOrder(orderId: Id, holds: HoldLimit): Promise<CancelOutcome> {
  return retry(() => cancelOnce(orderId, holds), { attempts: CANCEL_ATTEMPTS, retryIf: lostRace });
}

/** One round of cancelOrder: rejects with a VersionError when someone else changed the order meanwhile. */
async function cancelOnce(orderId: Id, holds: HoldLimit): Promise<CancelOutcome> {
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
  const cancelled = { id: order.id, version: order.version + 1, ticket: { id: String(order.ticket._id) } };
  await saveWithEvent(order, Subjects.OrderCancelled, cancelled, { status: OrderStatus.Created });
  await releaseTicket(order.ticket._id, order._id);
  await holdEnded(holds, order, 'cancelled');
  return 'cancelled';
}

/**
 * expiration:complete — the order's lock ran out: cancel it. An order that
 * kept changing under the cancel is busy, not broken: a "not yet", so the
 * event comes back after a short back-off instead of failing.
 */
export async function expireOrder(orderId: string, holds: HoldLimit): Promise<CancelOutcome> {
  try {
    return await cancelOrder(orderId, holds);
  } catch (err) {
    if (lostRace(err)) throw new NotYetError(`the order changed under the cancel ${CANCEL_ATTEMPTS} times in a row`, { orderId });
    throw err;
  }
}

export type CompleteOutcome = 'complete' | 'already-complete' | 'cancelled' | 'not-found';

/**
 * A payment arrived: created → complete. A cancelled order stays cancelled
 * (the payments service refunds the charge). The version is not bumped:
 * no event describes this change, and every bump of a replicated record
 * must be published.
 */
export async function completeOrder(orderId: Id, holds: HoldLimit): Promise<CompleteOutcome> {
  const completed = await Order.findOneAndUpdate(
    { _id: orderId, status: OrderStatus.Created },
    { $set: { status: OrderStatus.Complete } },
    { new: true },
  );
  const order = completed ?? (await Order.findById(orderId));
  if (!order) return 'not-found';
  if (order.status === OrderStatus.Cancelled) return 'cancelled';
  // The reservation becomes final (also on a redelivery, should the first attempt have stopped here).
  await markTicketSold(order.ticket._id, order._id);
  await holdEnded(holds, order, 'paid');
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
export async function cancelOrderOf(orderId: string, userId: string, holds: HoldLimit): Promise<void> {
  const order = await Order.findById(orderId);
  if (!order) throw new NotFoundError();
  if (order.userId !== userId) throw new NotAuthorizedError();
  const outcome = await cancelOrder(order._id, holds);
  if (outcome === 'complete') throw new BadRequestError('Cannot cancel a completed order');
  if (outcome === 'not-found') throw new NotFoundError();
}
