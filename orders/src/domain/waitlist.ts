import { awaitReplica, BadRequestError, isDuplicateKey, NotAuthorizedError, NotFoundError, SplitRule } from '@ticketing/common';
import { Ticket } from '../data/ticket';
import { activeKeyOf, positionOf, WaitlistEntry, WaitlistEntryDoc, WaitlistStatus } from '../data/waitlist';
import { assertOnSale, SPLIT_NOT_ALLOWED_MESSAGE } from './orders';
import { leaveEntry, seatsFit, serveWaitlist } from './waitlist-offers';

export const TICKETS_AVAILABLE_MESSAGE = 'Tickets are available';
export const ALREADY_WAITING_MESSAGE = 'Already on the waiting list';
export const OWN_TICKET_WAITLIST_MESSAGE = 'Cannot join the waiting list for your own ticket';

/** An entry as the contract shows it. */
export interface WaitlistEntryJSON {
  id: string;
  ticketId: string;
  quantity: number;
  status: WaitlistStatus;
  position?: number;
  offerExpiresAt?: string;
}

async function entryJSON(entry: WaitlistEntryDoc): Promise<WaitlistEntryJSON> {
  return {
    id: String(entry._id),
    ticketId: String(entry.ticketId),
    quantity: entry.quantity,
    status: entry.status,
    ...(entry.status === WaitlistStatus.Waiting ? { position: await positionOf(entry) } : {}),
    ...(entry.offerExpiresAt ? { offerExpiresAt: entry.offerExpiresAt.toISOString() } : {}),
  };
}

/** Whether the seller's split rule could ever let one buyer take `quantity` seats of a listing of `listed` seats. */
function splitEverAllows(split: SplitRule, listed: number, quantity: number): boolean {
  if (quantity > listed) return false;
  if (split === SplitRule.Pairs) return quantity % 2 === 0;
  // no-single and all: taking every seat left is always allowed, so any quantity up to the listing's may come.
  return true;
}

/**
 * POST /api/waitlist: the buyer joins the listing's line for `quantity`
 * seats, refused while that many could be ordered now. The entry is
 * written first and the listing served after (mark first, look second), so
 * seats that came back while the buyer joined are offered, not left free.
 */
export async function joinWaitlist({
  ticketId,
  userId,
  quantity,
  now = new Date(),
}: {
  ticketId: string;
  userId: string;
  quantity: number;
  now?: Date;
}): Promise<WaitlistEntryJSON> {
  const ticket = await awaitReplica(() => Ticket.findById(ticketId).exec());
  if (!ticket) throw new NotFoundError();
  if (ticket.userId === userId) throw new BadRequestError(OWN_TICKET_WAITLIST_MESSAGE);
  await assertOnSale(ticket, now);
  if (!splitEverAllows(ticket.split, ticket.quantity, quantity)) throw new BadRequestError(SPLIT_NOT_ALLOWED_MESSAGE);
  if (seatsFit(ticket, quantity)) throw new BadRequestError(TICKETS_AVAILABLE_MESSAGE);
  const entry = new WaitlistEntry({
    ticketId: ticket._id,
    userId,
    quantity,
    status: WaitlistStatus.Waiting,
    joinedAt: now,
    activeKey: activeKeyOf(String(ticket._id), userId),
  });
  try {
    await entry.save();
  } catch (err) {
    if (isDuplicateKey(err)) throw new BadRequestError(ALREADY_WAITING_MESSAGE);
    throw err;
  }
  await serveWaitlist(ticket._id);
  const fresh = await WaitlistEntry.findById(entry._id);
  return entryJSON(fresh ?? entry);
}

/** GET /api/waitlist: the buyer's entries, newest first. */
export async function entriesOf(userId: string): Promise<WaitlistEntryJSON[]> {
  const entries = await WaitlistEntry.find({ userId }).sort({ joinedAt: -1, _id: -1 }).exec();
  return Promise.all(entries.map(entryJSON));
}

/** DELETE /api/waitlist/:id: the owner leaves (an offer's seats go to the next in line). */
export async function leaveWaitlist(entryId: string, userId: string): Promise<void> {
  const entry = await WaitlistEntry.findById(entryId, { userId: 1 }).lean<{ userId: string }>();
  if (!entry) throw new NotFoundError();
  if (entry.userId !== userId) throw new NotAuthorizedError();
  await leaveEntry(entryId);
}
