import {
  BadRequestError,
  EventData,
  isDuplicateKey,
  logger,
  NotAuthorizedError,
  NotFoundError,
  NotYetError,
  saveWithEvent,
  Subjects,
} from '@ticketing/common';
import mongoose from 'mongoose';
import { Order } from '../data/order';
import { findAvailableTickets, findTicket, findTicketsOf, Ticket, TicketDoc, TicketJSON, TicketStatus } from '../data/ticket';
import { decideOnCurrentTicket, retryOnVersionConflict } from './retry';

export const RESERVED_MESSAGE = 'Cannot edit a reserved ticket';

/** What anyone may order (neither reserved nor sold), newest first, a page of it; `q` searches titles. */
export function availableTickets({ q, limit, offset }: { q?: string; limit: number; offset: number }): Promise<TicketJSON[]> {
  return findAvailableTickets({ ...(q ? { titleContains: q } : {}), limit, offset });
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
  if (ticket.isNew) {
    // The version mongoose stores on insert.
    const data: EventData<Subjects.TicketCreated> = { id: ticket.id, version: 0, title: ticket.title, price: ticket.price, userId: ticket.userId };
    return saveWithEvent(ticket, Subjects.TicketCreated, data, precondition);
  }
  // optimisticConcurrency increments the version by one on this save.
  const data: EventData<Subjects.TicketUpdated> = {
    id: ticket.id,
    version: ticket.version + 1,
    title: ticket.title,
    price: ticket.price,
    userId: ticket.userId,
    ...(ticket.orderId ? { orderId: ticket.orderId } : {}),
  };
  // A stale read fails the version filter.
  return saveWithEvent(ticket, Subjects.TicketUpdated, data, precondition);
}

/** A user lists a ticket for sale. */
export function listTicket(input: { title: string; price: number; userId: string }): Promise<TicketDoc> {
  return saveTicket(new Ticket(input));
}

/**
 * The owner edits title and price while nobody holds the ticket (neither
 * reserved nor sold). The save is conditional on the version read; when a
 * concurrent edit or reservation wins, the edit is decided again on the
 * fresh ticket (applied on top of the other edit, or refused as reserved).
 */
export function editTicket(id: string, userId: string, changes: { title: string; price: number }): Promise<TicketDoc> {
  return retryOnVersionConflict(async () => {
    const current = await Ticket.findById(id);
    if (!current) throw new NotFoundError();
    if (current.userId !== userId) throw new NotAuthorizedError();
    // Locked: reserved by an order, or sold (a sold ticket keeps its orderId
    // for good). The contract has one message for both.
    if (current.status !== TicketStatus.Available) throw new BadRequestError(RESERVED_MESSAGE);
    current.set(changes);
    // Nothing changed: no new version, no event.
    return current.isModified() ? saveTicket(current) : current;
  }, EDIT_ATTEMPTS, EDIT_BACKOFF);
}

/** Records the order and the ticket it is for (see data/order.ts); a second call finds it stored. */
async function recordOrder(orderId: string, ticketId: string): Promise<void> {
  try {
    await Order.create({ _id: orderId, ticketId });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/**
 * order:created — locks the ticket for the new order: sets `orderId`, bumps
 * the version and publishes ticket:updated, so the owner can no longer edit it.
 *
 * The lock is written only if the ticket is still as read (its version) and
 * the order's cancel has still not been recorded: that cancel leaves the
 * version alone, so it is a precondition of its own in the write.
 */
export async function reserveTicket(ticketId: string, orderId: string): Promise<void> {
  await recordOrder(orderId, ticketId);
  return decideOnCurrentTicket(async () => {
    const ticket = await Ticket.findById(ticketId);
    if (!ticket) {
      // Tickets are only ever created here; waiting cannot make it appear.
      logger.error({ ticketId, orderId }, 'order:created for an unknown ticket ignored');
      return;
    }
    if (ticket.orderId === orderId) return; // already applied (a redelivery)
    if (ticket.cancelledOrderIds.includes(orderId)) return; // its order:cancelled came first
    if (ticket.orderId) {
      // Held (reserved, or sold to a payment that lost the race with its
      // order's cancel) by an earlier order whose order:cancelled has not
      // reached us yet: orders takes a ticket for a new order only once
      // the previous one is cancelled. By a later delivery the lock is free.
      throw new NotYetError('ticket still locked by an earlier order', {
        ticketId: ticket.id,
        orderId,
        heldBy: ticket.orderId,
        sold: Boolean(ticket.soldAt),
      });
    }
    ticket.set({ orderId });
    await saveTicket(ticket, { cancelledOrderIds: { $ne: orderId } });
  }, { ticketId, orderId });
}

/**
 * order:cancelled — releases the ticket, but only if the cancelled order is
 * the one holding it: a cancel never frees a ticket locked by a newer order.
 * Orders never cancels a completed order, so a cancel for the order that
 * bought the ticket means the payment lost the race with expiration
 * (payments refunds it): the sale is void and the ticket is for sale again.
 * Every cancel is remembered on the ticket, so an order:created arriving
 * after its own order:cancelled does not lock the ticket for good.
 */
export async function releaseTicket(ticketId: string, orderId: string): Promise<void> {
  await recordOrder(orderId, ticketId);
  return decideOnCurrentTicket(async () => {
    const ticket = await Ticket.findById(ticketId);
    if (!ticket) {
      logger.error({ ticketId, orderId }, 'order:cancelled for an unknown ticket ignored');
      return;
    }
    if (ticket.orderId === orderId) {
      if (ticket.status === TicketStatus.Sold) logger.warn({ ticketId: ticket.id, orderId }, 'payment lost the race with expiration; sale voided');
      ticket.cancelledOrderIds.addToSet(orderId);
      ticket.set({ orderId: undefined, soldAt: undefined });
      await saveTicket(ticket);
    } else if (!ticket.cancelledOrderIds.includes(orderId)) {
      // Bookkeeping only: nothing replicated changed, so no version, no event.
      // Conditional on the version read: if the order's order:created locked
      // the ticket meanwhile, this cancel must release it instead (retried).
      const recorded = await Ticket.updateOne({ _id: ticket._id, version: ticket.version }, { $addToSet: { cancelledOrderIds: orderId } });
      if (recorded.matchedCount === 0) throw new mongoose.Error.VersionError(ticket, ticket.version, ['cancelledOrderIds']);
    }
  }, { ticketId, orderId });
}

/**
 * payment:created — marks the ticket locked by the paid order as sold (it
 * stays locked by that order for good), bumps the version and publishes
 * ticket:updated.
 */
export function sellTicket(orderId: string, paymentId: string): Promise<void> {
  return decideOnCurrentTicket(async () => {
    const { locked: ticket, cancelled } = await ticketOfOrder(orderId);
    if (!ticket) {
      if (cancelled) {
        // Paid after it was cancelled: payments refunds it; the ticket is not sold.
        logger.warn({ orderId, paymentId }, 'payment:created for a cancelled order ignored');
        return;
      }
      // Its order:created has not locked the ticket here yet: retried shortly.
      throw new NotYetError('no ticket is locked by the paid order yet', { orderId, paymentId });
    }
    if (ticket.status === TicketStatus.Sold) return; // already applied (a redelivery)
    ticket.set({ soldAt: new Date() });
    await saveTicket(ticket);
  }, { orderId, paymentId });
}

/**
 * The ticket the order locks, if it does; else whether the order is known
 * here as cancelled. Through the order's record; an order with none (its
 * order:created and order:cancelled not handled here yet, or handled before
 * orders were recorded) is looked up by its fields on the tickets.
 */
async function ticketOfOrder(orderId: string): Promise<{ locked: TicketDoc | null; cancelled: boolean }> {
  const order = await Order.findById(orderId).lean();
  if (order) {
    const ticket = await Ticket.findById(order.ticketId);
    if (ticket?.orderId === orderId) return { locked: ticket, cancelled: false };
    return { locked: null, cancelled: Boolean(ticket?.cancelledOrderIds.includes(orderId)) };
  }
  const locked = await Ticket.findOne({ orderId });
  if (locked) return { locked, cancelled: false };
  return { locked: null, cancelled: Boolean(await Ticket.exists({ cancelledOrderIds: orderId })) };
}
