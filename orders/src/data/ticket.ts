import mongoose from 'mongoose';
import { SplitRule } from '@ticketing/common';

/**
 * The orders service's replica of a listing, fed by ticket:created and
 * ticket:updated. `version` is the tickets service's version and is written
 * only from those events (in order), together with `title`, `price`,
 * `userId`, `quantity`, `split`, `fee`, `eventId` and `cancelled`.
 *
 * The reservation state is this service's own, kept as a counter: `available`
 * seats, and the orders holding the others (`holds`, not paid yet) or having
 * bought them (`sales`, final), or offered to a waiting buyer (`offers`,
 * docs/waitlist.md). Every change of it is one conditional write of this
 * record, which keeps `available + Σ holds + Σ offers + Σ sales = quantity`;
 * it is the authority on whether a new order may take seats.
 */
export interface TicketAttrs {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
  /** Seats listed (version 1: one). */
  quantity?: number;
  split?: SplitRule;
  /** The buyer's fee per seat as the tickets service computed it; absent on version-1 messages. */
  fee?: number;
  eventId?: string;
  cancelled?: boolean;
}

/** Seats an order took: held until it is paid, cancelled or expires. Never changed once written (it moves whole). */
export interface Hold {
  orderId: mongoose.Types.ObjectId;
  quantity: number;
  /** When the seats were taken (for the sweep's orphan check). */
  takenAt: Date;
}

/** Seats offered to one waiting-list entry alone until it orders them, leaves or its offer expires. Moves whole, like a hold. */
export interface Offer {
  entryId: mongoose.Types.ObjectId;
  quantity: number;
  offeredAt: Date;
}

export interface TicketDoc extends mongoose.Document {
  title: string;
  price: number;
  userId: string;
  version: number;
  quantity: number;
  split: SplitRule;
  fee: number | null;
  eventId: mongoose.Types.ObjectId | null;
  /** The listing's event was cancelled (ticket:updated says so): nothing more is sold. */
  cancelled: boolean;
  /** Seats neither held nor sold. */
  available: number;
  /** Orders holding seats, unpaid. */
  holds: Hold[];
  /** Paid orders' seats: final, the sweep skips them. */
  sales: Hold[];
  /** Seats offered to waiting buyers (docs/waitlist.md): neither available nor held. */
  offers: Offer[];
}

interface TicketModel extends mongoose.Model<TicketDoc> {
  build(attrs: TicketAttrs): TicketDoc;
}

// No _id per hold: a hold is removed by its exact value ($pullAll), which FerretDB supports and $pull with a condition is not.
const holdSchema = new mongoose.Schema<Hold>(
  {
    orderId: { type: mongoose.Schema.Types.ObjectId, required: true },
    quantity: { type: Number, required: true, min: 1 },
    takenAt: { type: Date, required: true },
  },
  { _id: false },
);

const offerSchema = new mongoose.Schema<Offer>(
  {
    entryId: { type: mongoose.Schema.Types.ObjectId, required: true },
    quantity: { type: Number, required: true, min: 1 },
    offeredAt: { type: Date, required: true },
  },
  { _id: false },
);

const ticketSchema = new mongoose.Schema<TicketDoc, TicketModel>(
  {
    title: { type: String, required: true },
    price: { type: Number, required: true, min: 0 },
    userId: { type: String, required: true },
    // A plain field, not mongoose's version key: only events set it.
    version: { type: Number, required: true },
    quantity: { type: Number, required: true, default: 1 },
    split: { type: String, enum: Object.values(SplitRule), default: SplitRule.Any },
    fee: { type: Number, default: null },
    eventId: { type: mongoose.Schema.Types.ObjectId, default: null },
    cancelled: { type: Boolean, default: false },
    available: { type: Number, required: true, default: 1 },
    holds: { type: [holdSchema], default: [] },
    sales: { type: [holdSchema], default: [] },
    offers: { type: [offerSchema], default: [] },
  },
  {
    versionKey: false,
    toJSON: {
      // In an order response a ticket is {id, title, price}.
      transform(_doc: unknown, ret: Record<string, unknown>) {
        return { id: String(ret._id), title: ret.title, price: ret.price };
      },
    },
  },
);

ticketSchema.index({ 'holds.takenAt': 1 });
// An event's cancellation finds its listings by it.
ticketSchema.index({ eventId: 1 });
// The waiting-list sweep finds offers a crash left without their entry's write.
ticketSchema.index({ 'offers.offeredAt': 1 });

/** The replica's fields a ticket message sets (version 1: one seat, split any, fee by this service's settings). */
export function listingFields(attrs: Omit<TicketAttrs, 'id'>) {
  return {
    title: attrs.title,
    price: attrs.price,
    userId: attrs.userId,
    version: attrs.version,
    quantity: attrs.quantity ?? 1,
    split: attrs.split ?? SplitRule.Any,
    fee: attrs.fee ?? null,
    eventId: attrs.eventId ?? null,
    cancelled: attrs.cancelled ?? false,
  };
}

ticketSchema.statics.build = ({ id, ...attrs }: TicketAttrs) => {
  const fields = listingFields(attrs);
  return new Ticket({ _id: id, ...fields, available: fields.quantity, holds: [], sales: [], offers: [] });
};

export const Ticket = mongoose.model<TicketDoc, TicketModel>('Ticket', ticketSchema);

type Id = string | mongoose.Types.ObjectId;

/**
 * The split rule as a condition on `available` (SPEC "Listings"), so that
 * taking seats is one conditional write: any: available ≥ q; pairs: q even
 * and available ≥ q; no-single: available ≥ q and available ≠ q + 1 (never
 * leave exactly one); all: available = q.
 */
export function seatsTakeable(quantity: number): mongoose.FilterQuery<TicketDoc> {
  const branches: mongoose.FilterQuery<TicketDoc>[] = [
    { split: SplitRule.Any, available: { $gte: quantity } },
    { split: SplitRule.NoSingle, available: { $gte: quantity, $ne: quantity + 1 } },
    { split: SplitRule.All, available: quantity },
  ];
  if (quantity % 2 === 0) branches.push({ split: SplitRule.Pairs, available: { $gte: quantity } });
  return { $or: branches };
}

/**
 * The order takes `quantity` seats: one conditional write that matches only
 * while that many are free, the split rule allows what remains and the
 * listing is not cancelled, so concurrent orders never hold more seats than
 * the listing has. Null when it did not match (the caller reads why).
 */
export function takeSeats(ticketId: Id, orderId: mongoose.Types.ObjectId, quantity: number, now: Date): Promise<TicketDoc | null> {
  return Ticket.findOneAndUpdate(
    { _id: ticketId, cancelled: { $ne: true }, ...seatsTakeable(quantity) },
    { $inc: { available: -quantity }, $push: { holds: { orderId, quantity, takenAt: now } } },
    { new: true },
  ).exec();
}

/** The order's hold on the listing, if it still holds seats there (paid seats are not a hold). */
async function holdOf(ticketId: Id, orderId: Id): Promise<Hold | undefined> {
  const ticket = await Ticket.findById(ticketId, { holds: 1 }).lean<{ holds?: Hold[] }>();
  return ticket?.holds?.find((h) => String(h.orderId) === String(orderId));
}

/**
 * Gives the order's held seats back to `available`, exactly once: the write
 * is conditional on the hold still being there, and removes it in the same
 * write. Paid seats are never given back. True when seats came back.
 */
export async function giveBackSeats(ticketId: Id, orderId: Id): Promise<boolean> {
  const hold = await holdOf(ticketId, orderId);
  if (!hold) return false;
  const result = await Ticket.updateOne(
    { _id: ticketId, 'holds.orderId': hold.orderId },
    { $pullAll: { holds: [hold] }, $inc: { available: hold.quantity } },
  );
  return result.modifiedCount === 1;
}

/** The holding order is paid: its hold becomes a sale, final (a no-op once moved, or when it holds nothing). */
export async function markSeatsSold(ticketId: Id, orderId: Id): Promise<void> {
  const hold = await holdOf(ticketId, orderId);
  if (!hold) return;
  await Ticket.updateOne({ _id: ticketId, 'holds.orderId': hold.orderId }, { $pullAll: { holds: [hold] }, $push: { sales: hold } });
}

/**
 * Offers `quantity` seats to a waiting-list entry: the same conditional write
 * as an order's take (enough seats, the split rule, not cancelled), and only
 * if this entry has no offer here yet, so two servers of one listing never
 * offer it twice. Null when it did not match.
 */
export function offerSeats(
  ticketId: Id,
  entryId: mongoose.Types.ObjectId,
  quantity: number,
  now: Date,
  /** When given: only while exactly this many seats are free (what earlier entries were found not to fit). */
  whileAvailable?: number,
): Promise<TicketDoc | null> {
  const exact = whileAvailable === undefined ? {} : { available: whileAvailable };
  return Ticket.findOneAndUpdate(
    { _id: ticketId, cancelled: { $ne: true }, 'offers.entryId': { $ne: entryId }, ...exact, ...seatsTakeable(quantity) },
    { $inc: { available: -quantity }, $push: { offers: { entryId, quantity, offeredAt: now } } },
    { new: true },
  ).exec();
}

/** The entry's offer on the listing, if its seats are still offered. */
export async function offerOf(ticketId: Id, entryId: Id): Promise<Offer | undefined> {
  const ticket = await Ticket.findById(ticketId, { offers: 1 }).lean<{ offers?: Offer[] }>();
  return ticket?.offers?.find((o) => String(o.entryId) === String(entryId));
}

/**
 * Gives an offer's seats back to `available`, exactly once: conditional on
 * the offer still being there, removed in the same write. True when seats
 * came back.
 */
export async function withdrawOffer(ticketId: Id, entryId: Id): Promise<boolean> {
  const offer = await offerOf(ticketId, entryId);
  if (!offer) return false;
  const result = await Ticket.updateOne(
    { _id: ticketId, 'offers.entryId': offer.entryId },
    { $pullAll: { offers: [offer] }, $inc: { available: offer.quantity } },
  );
  return result.modifiedCount === 1;
}

/**
 * The offered buyer orders `quantity` (at most the offer's) of its seats: in
 * one write the offer becomes the order's hold and what the order leaves of
 * it goes back to `available`. Null when the offer is no longer there.
 */
export async function takeOfferedSeats(ticketId: Id, entryId: Id, orderId: mongoose.Types.ObjectId, quantity: number, now: Date): Promise<TicketDoc | null> {
  const offer = await offerOf(ticketId, entryId);
  if (!offer || offer.quantity < quantity) return null;
  return Ticket.findOneAndUpdate(
    { _id: ticketId, 'offers.entryId': offer.entryId },
    { $pullAll: { offers: [offer] }, $push: { holds: { orderId, quantity, takenAt: now } }, $inc: { available: offer.quantity - quantity } },
    { new: true },
  ).exec();
}

/** Offers made before `cutoff`: each listing's id and the entry its seats are offered to. */
export async function offersMadeBefore(cutoff: Date): Promise<Array<{ ticketId: mongoose.Types.ObjectId; entryId: mongoose.Types.ObjectId; offeredAt: Date }>> {
  const tickets = await Ticket.find({ 'offers.offeredAt': { $lt: cutoff } }, { offers: 1 })
    .lean<Array<{ _id: mongoose.Types.ObjectId; offers: Offer[] }>>()
    .exec();
  return tickets.flatMap((t) => t.offers.filter((o) => o.offeredAt < cutoff).map((o) => ({ ticketId: t._id, entryId: o.entryId, offeredAt: o.offeredAt })));
}

/** Holds not final yet that were taken before `cutoff`: each listing's id and the order holding seats there. */
export async function holdsTakenBefore(cutoff: Date): Promise<Array<{ ticketId: mongoose.Types.ObjectId; orderId: mongoose.Types.ObjectId }>> {
  const tickets = await Ticket.find({ 'holds.takenAt': { $lt: cutoff } }, { holds: 1 })
    .lean<Array<{ _id: mongoose.Types.ObjectId; holds: Hold[] }>>()
    .exec();
  return tickets.flatMap((t) => t.holds.filter((h) => h.takenAt < cutoff).map((h) => ({ ticketId: t._id, orderId: h.orderId })));
}

/** A replica as version 1 stored it: one seat, reserved by at most one order. */
interface Version1Replica {
  _id: mongoose.Types.ObjectId;
  reservedBy?: mongoose.Types.ObjectId | null;
  reservedAt?: Date | null;
  sold?: boolean;
}

/**
 * Rewrites replicas stored before the seat counter (no `available`) as
 * one-seat listings: the order that reserved the ticket holds its seat, or
 * bought it when it was sold. Each record in one write conditional on still
 * having no counter, so running it again, or twice at once, changes nothing.
 * Answers how many records it rewrote.
 */
export async function upgradeVersion1Replicas(now = new Date()): Promise<number> {
  const old = await Ticket.collection
    .find({ available: { $exists: false } }, { projection: { reservedBy: 1, reservedAt: 1, sold: 1 } })
    .toArray();
  let upgraded = 0;
  for (const doc of old as unknown as Version1Replica[]) {
    const hold = doc.reservedBy ? [{ orderId: doc.reservedBy, quantity: 1, takenAt: doc.reservedAt ?? now }] : [];
    const result = await Ticket.collection.updateOne(
      { _id: doc._id, available: { $exists: false } },
      {
        $set: {
          quantity: 1,
          split: SplitRule.Any,
          available: hold.length ? 0 : 1,
          holds: doc.sold ? [] : hold,
          sales: doc.sold ? hold : [],
        },
        $unset: { reservedBy: '', reservedAt: '', sold: '' },
      },
    );
    upgraded += result.modifiedCount;
  }
  return upgraded;
}
