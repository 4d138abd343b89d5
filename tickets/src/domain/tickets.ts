import {
  allInPrice,
  applyEventToReplica,
  BadRequestError,
  buyerFee,
  CustomError,
  EVENT_NOT_FOUND_MESSAGE,
  EVENT_NOT_ON_SALE_MESSAGE,
  EventData,
  eventSaleState,
  EventStatus,
  FeeSettings,
  isDuplicateKey,
  logger,
  NotAuthorizedError,
  NotFoundError,
  NotYetError,
  saveWithEvent,
  SerializedError,
  SplitRule,
  Subjects,
} from '@ticketing/common';
import mongoose from 'mongoose';
import { Order, OrderDoc } from '../data/order';
import { Event as EventReplica, findEvent } from '../data/event';
import { findAvailableTickets, findListingsOfEvent, findTicket, findTicketsOf, ListingAttrs, ListingSort, Ticket, TicketDoc, TicketJSON } from '../data/ticket';
import { decideOnCurrentTicket, retryOnVersionConflict } from './retry';

export const RESERVED_MESSAGE = 'Cannot edit a reserved ticket';
export const QUANTITY_BELOW_SOLD = (sold: number) => `Quantity cannot be less than the ${sold} seat${sold === 1 ? '' : 's'} sold`;
export const QUANTITY_ODD_FOR_PAIRS = 'Quantity must be even for pairs';

/** A 400 about one field of the body that only the stored state can reveal (the event, the seats sold). */
export class FieldError extends CustomError {
  statusCode = 400;
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }

  serializeErrors(): SerializedError[] {
    return [{ message: this.message, field: this.field }];
  }
}

/** Listings with a seat free, not cancelled, a page of them: newest first or cheapest all-in first; `q` searches titles, `eventId` keeps one event's. */
export function availableTickets({ q, eventId, sort, limit, offset }: { q?: string; eventId?: string; sort?: ListingSort; limit: number; offset: number }): Promise<TicketJSON[]> {
  return findAvailableTickets({ ...(q ? { titleContains: q } : {}), ...(eventId ? { eventId } : {}), ...(sort ? { sort } : {}), limit, offset });
}

/** The tickets a user listed, in every state, newest first. */
export function ticketsOf(userId: string) {
  return findTicketsOf(userId);
}

/** One ticket, whatever its state, in the contract's shape; 404 when there is none. */
export async function ticketById(id: string): Promise<TicketJSON> {
  const ticket = await findTicket(id);
  if (!ticket) throw new NotFoundError();
  return ticket;
}

/**
 * An owner's edit is decided again until it lands: each round one of the
 * concurrent writers wins, so N writers at once need at most N rounds, and
 * the contract has no 409 for PUT. The short random waits keep the losers of
 * a round from meeting again in lockstep.
 */
const EDIT_ATTEMPTS = 50;
const EDIT_BACKOFF = { baseMs: 2, maxMs: 16, jitter: true };

/**
 * Saves the ticket's pending changes with the event announcing them
 * (ticket:created for a new ticket, ticket:updated otherwise) in one write.
 * Rejects with mongoose's VersionError if the ticket changed since it was read.
 */
export async function saveTicket(ticket: TicketDoc, precondition?: Record<string, unknown>): Promise<TicketDoc> {
  // The counts and the one-seat lock are derived on validate; the event must carry them as stored.
  await ticket.validate();
  if (ticket.isNew) {
    // The version mongoose stores on insert.
    const data: EventData<Subjects.TicketCreated> = { ...listingData(ticket), version: 0 };
    return saveWithEvent(ticket, Subjects.TicketCreated, data, precondition);
  }
  // optimisticConcurrency increments the version by one on this save.
  const data: EventData<Subjects.TicketUpdated> = {
    ...listingData(ticket),
    version: ticket.version + 1,
    ...(ticket.orderId ? { orderId: ticket.orderId } : {}),
    ...(ticket.cancelled ? { cancelled: true } : {}),
  };
  // A stale read fails the version filter.
  return saveWithEvent(ticket, Subjects.TicketUpdated, data, precondition);
}

/** What ticket:created and ticket:updated say of a listing, version 2's fields included. */
function listingData(ticket: TicketDoc): Omit<EventData<Subjects.TicketCreated>, 'version'> {
  return {
    id: ticket.id,
    title: ticket.title,
    price: ticket.price,
    userId: ticket.userId,
    ...(ticket.eventId ? { eventId: ticket.eventId } : {}),
    quantity: ticket.quantity,
    split: ticket.split,
    fee: ticket.fee,
    ...(ticket.section ? { section: ticket.section } : {}),
    ...(ticket.row ? { row: ticket.row } : {}),
  };
}

/** What the seller may send: version 1's title and price, version 2's optional rest. */
export type ListingInput = Pick<ListingAttrs, 'title' | 'price'> & Partial<Omit<ListingAttrs, 'title' | 'price'>>;

/** An event a listing may be for: known here and on sale now, else a 400 on `eventId`. */
async function requireEventOnSale(eventId: string): Promise<void> {
  const state = eventSaleState(await findEvent(eventId));
  if (state === 'unknown') throw new FieldError(EVENT_NOT_FOUND_MESSAGE, 'eventId');
  if (state === 'not-on-sale') throw new FieldError(EVENT_NOT_ON_SALE_MESSAGE, 'eventId');
}

/** The fee is the server's: computed from the settings whenever the price is written, never taken from the client. */
function priceListing(ticket: TicketDoc, fees: FeeSettings): void {
  const fee = buyerFee(ticket.price, fees);
  ticket.set({ fee, allInPrice: allInPrice(ticket.price, fee) });
}

/**
 * An event cancelled between the check and the insert: event:cancelled
 * applies the replica before it marks the event's listings, so either its
 * scan finds this listing or this read finds the event cancelled.
 */
async function markIfEventCancelled(ticket: TicketDoc): Promise<TicketDoc> {
  if (!ticket.eventId || ticket.cancelled) return ticket;
  const event = await findEvent(ticket.eventId);
  if (event?.status !== EventStatus.Cancelled) return ticket;
  return (await cancelListing(ticket.id)) ?? ticket;
}

/** A user lists seats for sale: one seat, split any, unless they say otherwise. */
export async function listTicket(input: ListingInput & { userId: string }, fees: FeeSettings): Promise<TicketDoc> {
  if (input.eventId) await requireEventOnSale(input.eventId);
  const ticket = new Ticket({ quantity: 1, split: SplitRule.Any, ...stripUndefined(input) });
  priceListing(ticket, fees);
  return markIfEventCancelled(await saveTicket(ticket));
}

const stripUndefined = <T extends object>(input: T): Partial<T> =>
  Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The owner edits a listing while no seat of it is held and some seat is
 * unsold; the quantity never goes below the seats sold, and pairs keep an
 * even quantity. Fields the edit leaves out keep their stored value. The
 * save is conditional on the version read; when a concurrent edit or
 * reservation wins, the edit is decided again on the fresh listing (applied
 * on top of the other edit, or refused as reserved).
 */
export async function editTicket(id: string, userId: string, changes: ListingInput, fees: FeeSettings): Promise<TicketDoc> {
  const edited = await retryOnVersionConflict(async () => {
    const current = await Ticket.findById(id);
    if (!current) throw new NotFoundError();
    if (current.userId !== userId) throw new NotAuthorizedError();
    // Locked: a seat held by an order, or every seat sold. The contract has one message for both.
    if (current.held > 0 || current.sold >= current.quantity) throw new BadRequestError(RESERVED_MESSAGE);
    const next = { ...stripUndefined(changes) };
    const quantity = next.quantity ?? current.quantity;
    if (quantity < current.sold) throw new FieldError(QUANTITY_BELOW_SOLD(current.sold), 'quantity');
    if ((next.split ?? current.split) === SplitRule.Pairs && quantity % 2 !== 0) throw new FieldError(QUANTITY_ODD_FOR_PAIRS, 'quantity');
    if (next.eventId) {
      await requireEventOnSale(next.eventId);
      // Its (new) event is on sale: the listing is offered.
      current.set({ cancelled: false });
    }
    current.set(next);
    priceListing(current, fees);
    // Nothing changed: no new version, no event.
    return current.isModified() ? saveTicket(current) : current;
  }, EDIT_ATTEMPTS, EDIT_BACKOFF);
  return markIfEventCancelled(edited);
}

/** Records the order, the ticket it is for and its buyer when known (see data/order.ts); a second call finds it stored. */
async function recordOrder(orderId: string, ticketId: string, buyerId?: string): Promise<void> {
  try {
    await Order.create({ _id: orderId, ticketId, ...(buyerId ? { buyerId } : {}) });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    // Recorded first by its order:cancelled, which names no buyer.
    if (buyerId) await Order.updateOne({ _id: orderId, buyerId: { $exists: false } }, { $set: { buyerId } }).exec();
  }
}

const claims = (ticket: TicketDoc, orderId: string) => ({
  hold: ticket.holds.find((h) => h.orderId === orderId),
  sale: ticket.sales.find((s) => s.orderId === orderId),
});

/** Removes the order's claim from holds or sales (claims carry no `_id` for mongoose's pull to match). */
function dropClaim(list: TicketDoc['holds'] | TicketDoc['sales'], orderId: string): void {
  const at = list.findIndex((c) => c.orderId === orderId);
  if (at >= 0) list.splice(at, 1);
}

/**
 * order:created — the order holds `quantity` of the listing's seats: a hold
 * is added, the counts follow, the version is bumped and ticket:updated
 * published, so the owner can no longer edit it. Orders is the authority on
 * reservations; this mirrors it.
 *
 * The hold is written only if the listing is still as read (its version)
 * and the order's cancel has still not been recorded: that cancel leaves the
 * version alone, so it is a precondition of its own in the write.
 */
export async function reserveTicket(ticketId: string, orderId: string, quantity = 1, buyerId?: string): Promise<void> {
  await recordOrder(orderId, ticketId, buyerId);
  return decideOnCurrentTicket(async () => {
    const ticket = await Ticket.findById(ticketId);
    if (!ticket) {
      // Tickets are only ever created here; waiting cannot make it appear.
      logger.error({ ticketId, orderId }, 'order:created for an unknown ticket ignored');
      return;
    }
    const { hold, sale } = claims(ticket, orderId);
    if (hold || sale) return; // already applied (a redelivery)
    if (ticket.cancelledOrderIds.includes(orderId)) return; // its order:cancelled came first
    if (ticket.available < quantity) {
      // The seats are held (or sold to a payment that lost the race with its
      // order's cancel) by earlier orders whose order:cancelled has not
      // reached us yet: orders gives seats to a new order only once they
      // are free. By a later delivery they are.
      throw new NotYetError('not enough seats free yet for the order', {
        ticketId: ticket.id,
        orderId,
        quantity,
        available: ticket.available,
        heldBy: ticket.holds.map((h) => h.orderId),
      });
    }
    ticket.holds.push({ orderId, quantity });
    await saveTicket(ticket, { cancelledOrderIds: { $ne: orderId } });
  }, { ticketId, orderId });
}

/**
 * order:cancelled — the order's seats come back, exactly once: its hold is
 * removed, and if it is among the sales (orders never cancels a completed
 * order, so its payment lost the race with expiration, and payments refunds
 * it), the sale is void and its seats are for sale again. A cancel never
 * touches another order's seats. Every cancel is remembered on the listing,
 * so an order:created arriving after its own order:cancelled holds nothing.
 */
export async function releaseTicket(ticketId: string, orderId: string): Promise<void> {
  await recordOrder(orderId, ticketId);
  return decideOnCurrentTicket(async () => {
    const ticket = await Ticket.findById(ticketId);
    if (!ticket) {
      logger.error({ ticketId, orderId }, 'order:cancelled for an unknown ticket ignored');
      return;
    }
    const { hold, sale } = claims(ticket, orderId);
    if (hold || sale) {
      if (sale) logger.warn({ ticketId: ticket.id, orderId }, 'payment lost the race with expiration; sale voided');
      ticket.cancelledOrderIds.addToSet(orderId);
      if (hold) dropClaim(ticket.holds, orderId);
      if (sale) dropClaim(ticket.sales, orderId);
      await saveTicket(ticket);
    } else if (!ticket.cancelledOrderIds.includes(orderId)) {
      // Bookkeeping only: nothing replicated changed, so no version, no event.
      // Conditional on the version read: if the order's order:created held
      // seats meanwhile, this cancel must release them instead (retried).
      const recorded = await Ticket.updateOne({ _id: ticket._id, version: ticket.version }, { $addToSet: { cancelledOrderIds: orderId } });
      if (recorded.matchedCount === 0) throw new mongoose.Error.VersionError(ticket, ticket.version, ['cancelledOrderIds']);
    }
  }, { ticketId, orderId });
}

/** A paid order's seats as sold here: the order's record and its listing as stored with the sale. */
export interface OrderSale {
  order: OrderDoc;
  ticket: TicketDoc;
}

/**
 * payment:created — the paid order's held seats are sold: its hold becomes
 * a sale, the version is bumped and ticket:updated published. Resolves with
 * the sale (also when a redelivery finds it applied) for the order's passes;
 * undefined when nothing is sold to it.
 */
export function sellTicket(orderId: string, paymentId: string): Promise<OrderSale | undefined> {
  return decideOnCurrentTicket(async () => {
    const { order, ticket, cancelled } = await ticketOfOrder(orderId);
    const { hold, sale } = ticket ? claims(ticket, orderId) : { hold: undefined, sale: undefined };
    if (ticket && sale) return order ? { order, ticket } : undefined; // already applied (a redelivery)
    if (!ticket || !hold) {
      if (cancelled) {
        // Paid after it was cancelled: payments refunds it; no seat is sold.
        logger.warn({ orderId, paymentId }, 'payment:created for a cancelled order ignored');
        return undefined;
      }
      // Its order:created has not held seats here yet: retried shortly.
      throw new NotYetError('no seat is held by the paid order yet', { orderId, paymentId });
    }
    const { quantity } = hold;
    dropClaim(ticket.holds, orderId);
    ticket.sales.push({ orderId, quantity });
    const saved = await saveTicket(ticket);
    return order ? { order, ticket: saved } : undefined;
  }, { orderId, paymentId });
}

/**
 * The listing the order is for, the order's record here, and whether the
 * order is known here as cancelled. Through the order's record; an order
 * with none (its order:created and order:cancelled not handled here yet, or
 * handled before orders were recorded) is looked up by version 1's lock on
 * the listings.
 */
async function ticketOfOrder(orderId: string): Promise<{ order: OrderDoc | null; ticket: TicketDoc | null; cancelled: boolean }> {
  const order = await Order.findById(orderId).lean<OrderDoc>();
  const ticket = order ? await Ticket.findById(order.ticketId) : await Ticket.findOne({ orderId });
  if (ticket) return { order, ticket, cancelled: ticket.cancelledOrderIds.includes(orderId) };
  return { order, ticket: null, cancelled: !order && Boolean(await Ticket.exists({ cancelledOrderIds: orderId })) };
}

/**
 * event:cancelled — once the replica says the event is cancelled, each of
 * its listings is marked (status `cancelled`, out of the list) and
 * ticket:updated says so, so orders refuses them. Marking is per listing
 * and conditional on its version: a redelivery finds them marked and does
 * nothing; one that died half-way marks the rest.
 */
export async function cancelListingsOfEvent(eventId: string): Promise<void> {
  const event = await findEvent(eventId);
  if (event?.status !== EventStatus.Cancelled) return;
  for (const listing of await findListingsOfEvent(eventId)) await cancelListing(listing.id);
}

/** Marks one listing cancelled (its event was); null when it is gone. */
function cancelListing(id: string): Promise<TicketDoc | null> {
  return decideOnCurrentTicket(async () => {
    const ticket = await Ticket.findById(id);
    if (!ticket || ticket.cancelled) return ticket;
    ticket.set({ cancelled: true });
    return saveTicket(ticket);
  }, { ticketId: id });
}

/** event:created / event:updated / event:cancelled — the replica keeps the newest version (common/marketplace/event-replica.ts). */
export function recordEvent(data: EventData<Subjects.EventCreated | Subjects.EventUpdated | Subjects.EventCancelled>): Promise<void> {
  return applyEventToReplica(EventReplica, data);
}

/**
 * Listings stored before version 2 (no `quantity`) get its fields once, at
 * start: one seat, split any, the fee at today's settings, and version 1's
 * lock (`orderId`, `soldAt`) as a hold or a sale, so the list's filter and
 * the counts see them. Nothing replicated changes (a version-1 listing is
 * one seat to every subscriber), so no version and no event.
 */
export async function upgradeVersionOneListings(fees: FeeSettings): Promise<number> {
  const old = await Ticket.find({ quantity: { $exists: false } })
    .lean<Array<{ _id: unknown; price: number; orderId?: string; soldAt?: Date }>>()
    .exec();
  for (const listing of old) {
    const fee = buyerFee(listing.price, fees);
    const claim = listing.orderId ? [{ orderId: listing.orderId, quantity: 1 }] : [];
    const sold = listing.soldAt ? claim : [];
    const held = listing.soldAt ? [] : claim;
    await Ticket.updateOne(
      { _id: listing._id, quantity: { $exists: false } },
      {
        $set: {
          quantity: 1,
          split: SplitRule.Any,
          fee,
          allInPrice: allInPrice(listing.price, fee),
          holds: held,
          sales: sold,
          held: held.length,
          sold: sold.length,
          available: 1 - claim.length,
          cancelled: false,
        },
      },
    ).exec();
  }
  return old.length;
}
