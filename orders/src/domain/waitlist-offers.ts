import mongoose from 'mongoose';
import { logger, saveWithEvent, splitAllows, Subjects } from '@ticketing/common';
import { offerOf, offerSeats, takeOfferedSeats, Ticket, TicketDoc, withdrawOffer } from '../data/ticket';
import { endedKeyOf, WaitlistEntry, WaitlistEntryDoc, waitingEntriesOf, WaitlistStatus } from '../data/waitlist';

type Id = string | mongoose.Types.ObjectId;

/** How long an offer holds its seats; set once at start from WAITLIST_OFFER_SECONDS (index.ts). */
export const waitlistSettings = { offerSeconds: 600 };

/** A write that lost to another change of the entry (mongoose's version check or the status precondition). */
const lostRace = (err: unknown) => err instanceof mongoose.Error.VersionError || err instanceof mongoose.Error.DocumentNotFoundError;

/** Whether `quantity` seats could be taken from the listing now: enough of them, and the split rule allows it. */
export function seatsFit(ticket: Pick<TicketDoc, 'cancelled' | 'available' | 'split'>, quantity: number): boolean {
  return !ticket.cancelled && ticket.available >= quantity && splitAllows(ticket.split, ticket.available, quantity);
}

/**
 * Seats of the listing may have come back (an order cancelled or expired, an
 * offer ended, the seller added seats, a new entry joined): offers what is
 * free to the earliest waiting entries it fits, in join order, until nothing
 * more fits. Safe to run any number of times, at once, on any replica: each
 * offer is a conditional write of the listing (data/ticket.ts: offerSeats).
 */
export async function serveWaitlist(ticketId: Id, now = new Date()): Promise<number> {
  let offered = 0;
  for (let round = 0; round < 50; round += 1) {
    const outcome = await serveOnce(ticketId, now);
    offered += outcome.offered;
    // An entry that left while its offer was being made gave its seats back: start again from the head of the line.
    if (!outcome.withdrawn) return offered;
  }
  return offered;
}

/**
 * One pass down the line. Once an entry has been skipped (the free seats did
 * not fit it), a later entry is offered seats only while exactly as many are
 * free as the skipped ones were found not to fit; seats coming back
 * meanwhile start the pass again from the head, so nobody is served before
 * an earlier entry the seats now fit.
 */
async function serveOnce(ticketId: Id, now: Date): Promise<{ offered: number; withdrawn: boolean }> {
  let offered = 0;
  let skippedAt: number | undefined;
  for (const entry of await waitingEntriesOf(ticketId)) {
    const ticket = await Ticket.findById(ticketId, { available: 1, split: 1, cancelled: 1 }).lean<TicketDoc>();
    if (!ticket || ticket.cancelled || ticket.available <= 0) break;
    if (skippedAt !== undefined && ticket.available > skippedAt) return { offered, withdrawn: true };
    if (!seatsFit(ticket, entry.quantity)) {
      skippedAt = ticket.available;
      continue;
    }
    const outcome = await offerTo(entry, now, skippedAt === undefined ? undefined : ticket.available);
    if (outcome === 'offered') {
      offered += 1;
      if (skippedAt !== undefined) skippedAt = ticket.available - entry.quantity;
    }
    if (outcome === 'withdrawn' || (outcome === 'no-seats' && skippedAt !== undefined)) return { offered, withdrawn: true };
  }
  return { offered, withdrawn: false };
}

export type OfferOutcome = 'offered' | 'no-seats' | 'withdrawn' | 'gone';

/**
 * Offers the entry its seats: first the listing (seats taken for the entry,
 * once), then the entry, waiting → offered with waitlist:offered staged in
 * the same write. If the entry is no longer waiting (its buyer left) the
 * seats are withdrawn again. A crash between the two writes leaves an offer
 * of a waiting entry: the next serve, or the sweep, finds the offer there
 * and writes the entry.
 */
export async function offerTo(entry: WaitlistEntryDoc, now: Date, whileAvailable?: number): Promise<OfferOutcome> {
  const taken = await offerSeats(entry.ticketId, entry._id, entry.quantity, now, whileAvailable);
  if (!taken && !(await offerOf(entry.ticketId, entry._id))) return 'no-seats';
  const offerExpiresAt = new Date(now.getTime() + waitlistSettings.offerSeconds * 1000);
  entry.set({ status: WaitlistStatus.Offered, offerExpiresAt });
  try {
    await saveWithEvent(
      entry,
      Subjects.WaitlistOffered,
      { id: String(entry._id), userId: entry.userId, ticketId: String(entry.ticketId), quantity: entry.quantity, offerExpiresAt: offerExpiresAt.toISOString() },
      { status: WaitlistStatus.Waiting },
      { awaitPublish: false },
    );
    return 'offered';
  } catch (err) {
    if (!lostRace(err)) throw err;
    const fresh = await WaitlistEntry.findById(entry._id, { status: 1 }).lean<{ status: WaitlistStatus }>();
    // Another server of the listing wrote the same offer.
    if (fresh?.status === WaitlistStatus.Offered) return 'gone';
    return (await withdrawOffer(entry.ticketId, entry._id)) ? 'withdrawn' : 'gone';
  }
}

/**
 * Ends the entry's offer (its time passed, or its buyer left): offered →
 * `to`, conditional on still being offered (and, for an expiry, on its time
 * having passed), with waitlist:offer-ended staged; then its seats go back
 * and on to the next in line. Exactly one ending wins over an order, a leave
 * and another replica's expiry. False when the entry was not offered.
 */
export async function endOffer(entryId: Id, to: WaitlistStatus.Expired | WaitlistStatus.Left, now = new Date()): Promise<boolean> {
  const entry = await WaitlistEntry.findById(entryId);
  if (entry?.status !== WaitlistStatus.Offered) return false;
  if (to === WaitlistStatus.Expired && entry.offerExpiresAt && entry.offerExpiresAt > now) return false;
  entry.set({ status: to, activeKey: endedKeyOf(entry) });
  try {
    await saveWithEvent(entry, Subjects.WaitlistOfferEnded, { id: String(entry._id), ticketId: String(entry.ticketId), status: to }, { status: WaitlistStatus.Offered }, { awaitPublish: false });
  } catch (err) {
    if (lostRace(err)) return false;
    throw err;
  }
  await withdrawOffer(entry.ticketId, entry._id);
  await serveWaitlist(entry.ticketId, now);
  return true;
}

/**
 * POST /api/orders by a buyer with an offer on the listing: claims the offer
 * (offered → done, conditional on still offered and unexpired, with
 * waitlist:offer-ended staged) and turns its seats into the order's hold in
 * one write of the listing. Null when the buyer has no live offer that
 * covers `quantity`, or lost it to the expiry: the order then takes
 * available seats like anyone's.
 */
export async function takeOffer(
  ticketId: Id,
  userId: string,
  orderId: mongoose.Types.ObjectId,
  quantity: number,
  now: Date,
): Promise<TicketDoc | null> {
  const entry = await WaitlistEntry.findOne({ ticketId, userId, status: WaitlistStatus.Offered });
  if (!entry || entry.quantity < quantity || !entry.offerExpiresAt || entry.offerExpiresAt <= now) return null;
  entry.set({ status: WaitlistStatus.Done, activeKey: endedKeyOf(entry) });
  try {
    await saveWithEvent(
      entry,
      Subjects.WaitlistOfferEnded,
      { id: String(entry._id), ticketId: String(entry.ticketId), status: WaitlistStatus.Done },
      { status: WaitlistStatus.Offered, offerExpiresAt: { $gt: now } },
      { awaitPublish: false },
    );
  } catch (err) {
    if (lostRace(err)) return null;
    throw err;
  }
  const reserved = await takeOfferedSeats(ticketId, entry._id, orderId, quantity, now);
  if (!reserved) logger.warn({ entryId: String(entry._id), orderId: String(orderId) }, 'claimed offer had no seats left on the listing; ordering from available');
  return reserved;
}

/**
 * A buyer leaves: a waiting entry becomes `left`; an offered one ends its
 * offer (endOffer). Conditional on the status read, tried again when an
 * offer was made meanwhile. An entry already ended stays as it is.
 */
export async function leaveEntry(entryId: Id, now = new Date()): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const entry = await WaitlistEntry.findById(entryId);
    if (!entry) return;
    if (entry.status === WaitlistStatus.Offered) {
      if (await endOffer(entryId, WaitlistStatus.Left, now)) return;
      continue;
    }
    if (entry.status !== WaitlistStatus.Waiting) return;
    const left = await WaitlistEntry.updateOne(
      { _id: entry._id, status: WaitlistStatus.Waiting, version: entry.version },
      { $set: { status: WaitlistStatus.Left, activeKey: endedKeyOf(entry) }, $inc: { version: 1 } },
    );
    if (left.modifiedCount === 1) {
      // An offer being made at this moment finds the entry gone and withdraws its seats itself.
      return;
    }
  }
}
