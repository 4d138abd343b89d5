import mongoose from 'mongoose';
import { offersMadeBefore, withdrawOffer } from '../data/ticket';
import { WaitlistEntry, WaitlistStatus } from '../data/waitlist';
import { endOffer, offerTo, serveWaitlist, waitlistSettings } from './waitlist-offers';

/** An offer younger than this may belong to a serve still writing its entry. */
const MIN_ORPHAN_AGE_MS = 60000;

export interface WaitlistSweepResult {
  /** Offers whose time passed, now expired (their seats passed on). */
  expired: number;
  /** Offers a crash left on a listing after their entry ended, withdrawn. */
  withdrawn: number;
  /** Offers made to entries that waited while seats fitting them were free. */
  offered: number;
}

/**
 * The waiting list's durable timer (docs/waitlist.md): an offer's end is
 * stored with it (`offerExpiresAt`), and this sweep, run by every replica
 * every WAITLIST_SWEEP_INTERVAL_MS, expires the offers that are due, so an
 * offer ends after a restart as surely as without one; two replicas
 * sweeping at once expire each once (endOffer is conditional on the
 * entry's status). It also repairs what a crash between two writes left:
 * an offer on a listing whose entry is still `waiting` is completed (the
 * entry written), one whose entry has ended is withdrawn, and waiting
 * entries of a listing with seats that fit them are served.
 */
export async function sweepWaitlist(now = new Date()): Promise<WaitlistSweepResult> {
  const result: WaitlistSweepResult = { expired: 0, withdrawn: 0, offered: 0 };
  const due = await WaitlistEntry.find({ status: WaitlistStatus.Offered, offerExpiresAt: { $lte: now } }, { _id: 1 })
    .lean<Array<{ _id: mongoose.Types.ObjectId }>>()
    .exec();
  for (const { _id } of due) if (await endOffer(_id, WaitlistStatus.Expired, now)) result.expired += 1;

  // A claim (done) is followed at once by its conversion into the order's hold, which it must be given time for.
  const claimCutoff = now.getTime() - waitlistSettings.offerSeconds * 1000 - MIN_ORPHAN_AGE_MS;
  for (const { ticketId, entryId, offeredAt } of await offersMadeBefore(new Date(now.getTime() - MIN_ORPHAN_AGE_MS))) {
    const entry = await WaitlistEntry.findById(entryId);
    // A live offer: it expires or is ordered.
    if (entry?.status === WaitlistStatus.Offered) continue;
    if (entry?.status === WaitlistStatus.Waiting) {
      // Its serve stopped (or is still going) between the listing's write and the entry's: finish the offer, never take it away under it.
      await offerTo(entry, now);
      continue;
    }
    if (entry?.status === WaitlistStatus.Done && offeredAt.getTime() > claimCutoff) continue;
    if (await withdrawOffer(ticketId, entryId)) result.withdrawn += 1;
  }

  const waiting = await WaitlistEntry.find({ status: WaitlistStatus.Waiting }, { ticketId: 1 }).lean<Array<{ ticketId: mongoose.Types.ObjectId }>>().exec();
  for (const ticketId of new Set(waiting.map((e) => String(e.ticketId)))) result.offered += await serveWaitlist(ticketId, now);
  return result;
}
