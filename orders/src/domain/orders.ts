import mongoose from 'mongoose';
import {
  awaitReplica,
  BadRequestError,
  buyerFee,
  EVENT_NOT_ON_SALE_MESSAGE,
  EventStatus,
  eventSaleState,
  FeeSettings,
  logger,
  NotAuthorizedError,
  NotFoundError,
  NotYetError,
  OrderStatus,
  orderTotal,
  retry,
  saveWithEvent,
  splitAllows,
  Subjects,
} from '@ticketing/common';
import { EventReplica } from '../data/event';
import { Order, OrderDoc } from '../data/order';
import { giveBackSeats, markSeatsSold, takeSeats, Ticket, TicketDoc } from '../data/ticket';
import { HoldLimit, holdEnded } from './hold-limit';
import { serveWaitlist, takeOffer } from './waitlist-offers';

type Id = string | mongoose.Types.ObjectId;

export const TICKET_RESERVED_MESSAGE = 'Ticket is already reserved';
export const SPLIT_NOT_ALLOWED_MESSAGE = "Quantity not allowed by the seller's split rule";
export const onlyLeftMessage = (available: number) => `Only ${available} tickets left`;

export interface PlaceOrderInput {
  ticketId: string;
  userId: string;
  /** Seats to take (default 1: a version-1 order). */
  quantity?: number;
  windowSeconds: number;
  /** This service's fee settings: the fee of a listing whose ticket messages carry none (version 1). */
  fees: FeeSettings;
  now?: Date;
}

/**
 * Rounds a reservation may lose to concurrent changes of the listing before
 * it answers with what it last read: each lost round means seats moved.
 */
const RESERVE_ATTEMPTS = 3;

/** Why `quantity` seats of this listing cannot be taken now, or undefined when they can. */
export function refusalOf(ticket: Pick<TicketDoc, 'cancelled' | 'available' | 'split'>, quantity: number): string | undefined {
  if (ticket.cancelled) return EVENT_NOT_ON_SALE_MESSAGE;
  const available = Math.max(0, ticket.available);
  if (available === 0) return TICKET_RESERVED_MESSAGE;
  if (available < quantity) return onlyLeftMessage(available);
  if (!splitAllows(ticket.split, available, quantity)) return SPLIT_NOT_ALLOWED_MESSAGE;
  return undefined;
}

/** A listing whose event was cancelled or has started sells nothing more (an event not replicated yet was checked by tickets when listed). */
export async function assertOnSale(ticket: TicketDoc, now: Date): Promise<void> {
  if (ticket.cancelled) throw new BadRequestError(EVENT_NOT_ON_SALE_MESSAGE);
  if (!ticket.eventId) return;
  const event = await EventReplica.findById(ticket.eventId).lean();
  if (eventSaleState(event, now) === 'not-on-sale') throw new BadRequestError(EVENT_NOT_ON_SALE_MESSAGE);
}

/**
 * Takes `quantity` seats of the listing for a new order id, or throws the
 * 400 that says why not. The take itself is one conditional write
 * (data/ticket.ts: takeSeats); when it does not match, the listing is read
 * again to name the reason, and tried again if the seats came back meanwhile.
 */
async function reserveSeats(ticket: TicketDoc, orderId: mongoose.Types.ObjectId, quantity: number, now: Date): Promise<TicketDoc> {
  let current: TicketDoc | null = ticket;
  for (let attempt = 0; attempt < RESERVE_ATTEMPTS && current; attempt += 1) {
    const refusal = refusalOf(current, quantity);
    if (refusal) throw new BadRequestError(refusal);
    const reserved = await takeSeats(current._id, orderId, quantity, now);
    if (reserved) return reserved;
    current = await Ticket.findById(current._id);
  }
  throw new BadRequestError(current ? (refusalOf(current, quantity) ?? TICKET_RESERVED_MESSAGE) : TICKET_RESERVED_MESSAGE);
}

/**
 * Reserves `quantity` seats of the listing and creates the order with
 * order:created in its outbox, its price frozen: `total = quantity ×
 * (unitPrice + fee)` as the listing stood when its seats were taken.
 *
 * The reservation is one conditional write on the replica (it matches only
 * while that many seats are free and the split rule allows what remains), so
 * concurrent requests never hold more seats than the listing has. The order
 * id is generated first so the hold can name it; if writing the order fails,
 * the seats are given back.
 */
export async function placeOrder({ ticketId, userId, quantity = 1, windowSeconds, fees, now = new Date() }: PlaceOrderInput): Promise<OrderDoc> {
  // The listing may be a few ms behind its ticket:created event.
  const ticket = await awaitReplica(() => Ticket.findById(ticketId).exec());
  if (!ticket) throw new NotFoundError();
  if (ticket.userId === userId) throw new BadRequestError('You cannot buy your own ticket');
  await assertOnSale(ticket, now);

  const orderId = new mongoose.Types.ObjectId();
  // A buyer the waiting list offered seats to orders those (docs/waitlist.md); anyone else takes available ones.
  // An offer's seats are on the listing before its entry is offered and until after it ends, so a listing read
  // with no offers means no offer to look up: most orders skip that round trip.
  const fromOffer = ticket.offers.length > 0 ? await takeOffer(ticket._id, userId, orderId, quantity, now) : null;
  const reserved = fromOffer ?? (await reserveSeats(ticket, orderId, quantity, now));
  const unitPrice = reserved.price;
  const fee = reserved.fee ?? buyerFee(unitPrice, fees);
  const total = orderTotal(quantity, unitPrice, fee);

  const order = Order.build({
    id: orderId,
    userId,
    status: OrderStatus.Created,
    expiresAt: new Date(now.getTime() + windowSeconds * 1000),
    ticket: reserved,
    quantity,
    unitPrice,
    fee,
    total,
  });
  const created = {
    id: order.id,
    version: 0,
    status: OrderStatus.Created,
    userId,
    expiresAt: order.expiresAt.toISOString(),
    ticket: { id: reserved.id, price: unitPrice, userId: reserved.userId, ...(reserved.eventId ? { eventId: String(reserved.eventId) } : {}) },
    quantity,
    fee,
    total,
  };
  try {
    await saveWithEvent(order, Subjects.OrderCreated, created);
  } catch (err) {
    await releaseTicket(reserved._id, orderId).catch((releaseErr) =>
      logger.error({ err: releaseErr, orderId: String(orderId) }, 'could not give the seats back; the sweep will'),
    );
    throw err;
  }
  await undoIfEventCancelled(order, reserved);
  // Seats of an offer the order did not take went back to available: on to the next in line.
  if (fromOffer && fromOffer.available > 0) await serveWaitlist(reserved._id, now);
  return order;
}

/**
 * The event may have been cancelled between the on-sale check and the
 * order's write; the cancellation (event-cancellation.ts: cancelEventOrders)
 * reads the orders after marking the event, and this reads the event after writing
 * the order, so one of the two sees the other and the order is cancelled
 * (order:cancelled published, seats given back) either way.
 */
async function undoIfEventCancelled(order: OrderDoc, ticket: TicketDoc): Promise<void> {
  if (!ticket.eventId) return;
  const event = await EventReplica.findById(ticket.eventId, { status: 1 }).lean();
  if (event?.status !== EventStatus.Cancelled) return;
  // No hold place to end: the order never got one (withinHoldLimit gives it back on this refusal).
  await cancelOrder(order._id);
  throw new BadRequestError(EVENT_NOT_ON_SALE_MESSAGE);
}

/** Gives the order's seats back only if it still holds them: exactly once, and never seats another order holds or a paid one. */
export async function releaseTicket(ticketId: Id, orderId: Id): Promise<boolean> {
  const back = await giveBackSeats(ticketId, orderId);
  // Also when nothing came back now: a retry after a crash between the two still offers what came back then.
  await serveWaitlist(ticketId);
  return back;
}

/** `complete`: paid (complete or refunded), never cancelled. */
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
export function cancelOrder(orderId: Id, holds?: HoldLimit): Promise<CancelOutcome> {
  return retry(() => cancelOnce(orderId, holds), { attempts: CANCEL_ATTEMPTS, retryIf: lostRace });
}

/** One round of cancelOrder: rejects with a VersionError when someone else changed the order meanwhile. */
async function cancelOnce(orderId: Id, holds?: HoldLimit): Promise<CancelOutcome> {
  const order = await Order.findById(orderId);
  if (!order) return 'not-found';
  if (order.status === OrderStatus.Complete || order.status === OrderStatus.Refunded) return 'complete';
  if (order.status === OrderStatus.Cancelled) {
    await releaseTicket(order.ticket._id, order._id);
    return 'already-cancelled';
  }
  order.set({ status: OrderStatus.Cancelled });
  // Conditional on the version read (mongoose's check) and on still being created: a payment completes
  // an order without a new version, so the status is a precondition of its own.
  const cancelled = { id: order.id, version: order.version + 1, ticket: { id: String(order.ticket._id) }, quantity: order.quantity };
  await saveWithEvent(order, Subjects.OrderCancelled, cancelled, { status: OrderStatus.Created });
  // The lapse is counted before the seats come back: a buyer who sees the order cancelled and at once holds
  // those seats again must already find it counted.
  if (holds) await holdEnded(holds, order, 'cancelled');
  await releaseTicket(order.ticket._id, order._id);
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
  await markSeatsSold(order.ticket._id, order._id);
  await holdEnded(holds, order, 'paid');
  return completed ? 'complete' : 'already-complete';
}

export type RefundOutcome = 'refunded' | 'already-refunded' | 'cancelled' | 'not-found';

/**
 * payment:refunded — the order's money went back (its event was cancelled):
 * complete → refunded, conditional on being complete, so a redelivery
 * changes nothing. Its seats stay sold: the listing is cancelled with its
 * event, and tickets counts them sold too. A cancelled order stays
 * cancelled (it was never paid here). An order still created has not seen
 * its payment:created yet: "not yet", delivered again once it has (or once
 * the event's cancellation has cancelled it). No new version: no event
 * describes this change.
 */
export async function refundOrder(orderId: Id): Promise<RefundOutcome> {
  const refunded = await Order.findOneAndUpdate({ _id: orderId, status: OrderStatus.Complete }, { $set: { status: OrderStatus.Refunded } }, { new: true });
  if (refunded) return 'refunded';
  const order = await Order.findById(orderId, { status: 1 }).lean();
  if (!order) return 'not-found';
  if (order.status === OrderStatus.Refunded) return 'already-refunded';
  if (order.status === OrderStatus.Cancelled) return 'cancelled';
  throw new NotYetError('payment:refunded ahead of payment:created', { orderId: String(orderId) });
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
