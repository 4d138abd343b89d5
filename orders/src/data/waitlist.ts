import mongoose from 'mongoose';
import { outboxPlugin, WithOutbox } from '@ticketing/common';

export enum WaitlistStatus {
  /** In line for the listing's seats. */
  Waiting = 'waiting',
  /** Seats are offered to it alone until `offerExpiresAt`. */
  Offered = 'offered',
  /** The offer's time passed unordered. */
  Expired = 'expired',
  /** Its buyer ordered the offered seats. */
  Done = 'done',
  /** Its buyer left the list. */
  Left = 'left',
}

/** Statuses in which a buyer is on the list (one such entry per buyer and listing). */
export const ACTIVE_STATUSES = [WaitlistStatus.Waiting, WaitlistStatus.Offered];

/**
 * A buyer waiting for `quantity` seats of a sold-out listing
 * (docs/waitlist.md). Served in join order (`joinedAt`, then `_id`). Every
 * status change is one write conditional on the status read, and an offer's
 * start and end are staged in the same write (waitlist:offered,
 * waitlist:offer-ended), so tickets mirrors them.
 */
export interface WaitlistEntryDoc extends mongoose.Document<mongoose.Types.ObjectId>, WithOutbox {
  ticketId: mongoose.Types.ObjectId;
  userId: string;
  quantity: number;
  status: WaitlistStatus;
  joinedAt: Date;
  offerExpiresAt?: Date;
  /**
   * `ticketId:userId` while the entry is waiting or offered, unique: a buyer
   * joins a listing's list once at a time, even with two requests at once;
   * an ended entry gets its own id appended, freeing the key.
   */
  activeKey: string;
  version: number;
}

export const activeKeyOf = (ticketId: string, userId: string) => `${ticketId}:${userId}`;
export const endedKeyOf = (entry: Pick<WaitlistEntryDoc, 'ticketId' | 'userId' | '_id'>) =>
  `${activeKeyOf(String(entry.ticketId), entry.userId)}:${String(entry._id)}`;

const waitlistSchema = new mongoose.Schema<WaitlistEntryDoc>(
  {
    ticketId: { type: mongoose.Schema.Types.ObjectId, required: true },
    userId: { type: String, required: true },
    quantity: { type: Number, required: true, min: 1 },
    status: { type: String, required: true, enum: Object.values(WaitlistStatus), default: WaitlistStatus.Waiting },
    joinedAt: { type: Date, required: true },
    offerExpiresAt: { type: Date },
    activeKey: { type: String, required: true },
  },
  { versionKey: 'version', optimisticConcurrency: true },
);

outboxPlugin(waitlistSchema as unknown as mongoose.Schema);
waitlistSchema.index({ activeKey: 1 }, { unique: true });
// A listing's line, in join order.
waitlistSchema.index({ ticketId: 1, status: 1, joinedAt: 1, _id: 1 });
// A buyer's entries, newest first.
waitlistSchema.index({ userId: 1, joinedAt: -1 });
// Offers whose time passed.
waitlistSchema.index({ status: 1, offerExpiresAt: 1 });

export const WaitlistEntry = mongoose.model<WaitlistEntryDoc>('WaitlistEntry', waitlistSchema);

/** A listing's waiting entries in join order. */
export function waitingEntriesOf(ticketId: string | mongoose.Types.ObjectId): Promise<WaitlistEntryDoc[]> {
  return WaitlistEntry.find({ ticketId, status: WaitlistStatus.Waiting }).sort({ joinedAt: 1, _id: 1 }).exec();
}

/** The 1-based place of a waiting entry among its listing's waiting entries. */
export async function positionOf(entry: Pick<WaitlistEntryDoc, 'ticketId' | 'joinedAt' | '_id'>): Promise<number> {
  const ahead = await WaitlistEntry.countDocuments({
    ticketId: entry.ticketId,
    status: WaitlistStatus.Waiting,
    $or: [{ joinedAt: { $lt: entry.joinedAt } }, { joinedAt: entry.joinedAt, _id: { $lt: entry._id } }],
  });
  return ahead + 1;
}
