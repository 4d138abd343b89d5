import mongoose from 'mongoose';
import { MAX_SEATS_PER_LISTING, outboxPlugin, SPLIT_RULES, SplitRule, toJSONOptions, WithOutbox } from '@ticketing/common';

export enum TicketStatus {
  /** Listed, with seats free to order. */
  Available = 'available',
  /** No seat free, some held by orders that are not paid yet. */
  Reserved = 'reserved',
  /** Every seat paid for. */
  Sold = 'sold',
  /** Its event was cancelled: no longer offered. */
  Cancelled = 'cancelled',
}

/** What the seller says about a listing (the fee and the counts are the server's). */
export interface ListingAttrs {
  title: string;
  /** Dollars per seat, at most two decimals. */
  price: number;
  eventId?: string;
  /** Seats listed, 1–20. */
  quantity: number;
  section?: string;
  row?: string;
  split: SplitRule;
}

export interface TicketAttrs extends ListingAttrs {
  userId: string;
  /** The buyer's fee per seat, computed from the fee settings when the listing was last written. */
  fee: number;
  /** `price + fee`: what the list sorts by. */
  allInPrice: number;
}

/** Seats an order holds or bought. */
export interface SeatClaim {
  orderId: string;
  quantity: number;
}

export interface TicketDoc extends mongoose.Document, TicketAttrs, WithOutbox {
  /** Bumped by every change; mongoose checks it on save (optimistic concurrency). */
  version: number;
  /** One-seat listings only, as in version 1: the order holding the seat (kept once sold: the order that bought it). */
  orderId?: string;
  /** When the last seat was sold. */
  soldAt?: Date;
  /** Orders holding seats, not paid yet (mirrored from order:created). */
  holds: mongoose.Types.DocumentArray<SeatClaim & mongoose.Types.Subdocument>;
  /** Paid orders and their seats (mirrored from payment:created). */
  sales: mongoose.Types.DocumentArray<SeatClaim & mongoose.Types.Subdocument>;
  /** Seats held, sold and neither: derived from holds and sales on every save, stored so that queries can use them. */
  held: number;
  sold: number;
  available: number;
  /** Its event was cancelled (event:cancelled): the listing is no longer offered. */
  cancelled: boolean;
  /**
   * Orders known to be cancelled. Lets a late
   * order:created for an already-cancelled order be ignored, and a late
   * payment:created for it be recognised, since events on different subjects
   * may arrive in any order.
   */
  cancelledOrderIds: mongoose.Types.Array<string>;
  createdAt: Date;
  updatedAt: Date;
  readonly status: TicketStatus;
}

/**
 * A listing in responses (docs/contract.md): version 1's
 * `{id, title, price, userId, version, orderId?}` and version 2's
 * `{eventId?, quantity, available, section?, row?, split, fee, allInPrice}`.
 */
export interface TicketJSON {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
  orderId?: string;
  eventId?: string;
  quantity: number;
  available: number;
  section?: string;
  row?: string;
  split: SplitRule;
  fee: number;
  allInPrice: number;
}

/** A stored listing as `lean` reads it, as far as the contract's shape needs. */
export type StoredTicket = Pick<TicketDoc, 'title' | 'price' | 'userId' | 'version' | 'orderId' | 'eventId' | 'section' | 'row' | 'fee' | 'allInPrice'> &
  Partial<Pick<TicketDoc, 'quantity' | 'available' | 'split'>> & { _id: unknown };

/** The contract's listing shape, from a stored listing (a document, or a plain record read with `lean`). */
export function ticketJSON(doc: StoredTicket): TicketJSON {
  const quantity = doc.quantity ?? 1;
  return {
    id: String(doc._id),
    title: doc.title,
    price: doc.price,
    userId: doc.userId,
    version: doc.version,
    ...(doc.orderId ? { orderId: doc.orderId } : {}),
    ...(doc.eventId ? { eventId: doc.eventId } : {}),
    quantity,
    available: doc.available ?? quantity,
    ...(doc.section ? { section: doc.section } : {}),
    ...(doc.row ? { row: doc.row } : {}),
    split: doc.split ?? SplitRule.Any,
    fee: doc.fee,
    allInPrice: doc.allInPrice,
  };
}

const seatClaimSchema = new mongoose.Schema<SeatClaim>(
  { orderId: { type: String, required: true }, quantity: { type: Number, required: true, min: 1 } },
  { _id: false },
);

const ticketSchema = new mongoose.Schema<TicketDoc>(
  {
    title: { type: String, required: true, trim: true },
    price: { type: Number, required: true, min: 0.01 },
    userId: { type: String, required: true },
    eventId: { type: String },
    quantity: { type: Number, required: true, min: 1, max: MAX_SEATS_PER_LISTING, default: 1 },
    section: { type: String, maxlength: 20 },
    row: { type: String, maxlength: 20 },
    split: { type: String, enum: SPLIT_RULES, required: true, default: SplitRule.Any },
    fee: { type: Number, required: true, min: 0 },
    allInPrice: { type: Number, required: true, min: 0.01 },
    orderId: { type: String },
    soldAt: { type: Date },
    holds: { type: [seatClaimSchema], default: [] },
    sales: { type: [seatClaimSchema], default: [] },
    held: { type: Number, required: true, default: 0, min: 0 },
    sold: { type: Number, required: true, default: 0, min: 0 },
    available: { type: Number, required: true, default: 1, min: 0 },
    cancelled: { type: Boolean, required: true, default: false },
    cancelledOrderIds: { type: [String], default: [] },
  },
  {
    versionKey: 'version',
    optimisticConcurrency: true,
    timestamps: true,
    toJSON: {
      ...toJSONOptions,
      // Built from the document: exactly the contract's listing shape. Only
      // GET /api/tickets/mine adds `held`, `sold` and `status` (see entry-points/http/mine.ts).
      transform: (doc: TicketDoc): TicketJSON => ticketJSON(doc),
    },
  },
);

// The counts follow the claims on every save, so no writer can store them out of step.
ticketSchema.pre('validate', function deriveCounts(this: TicketDoc) {
  this.held = this.holds.reduce((n, h) => n + h.quantity, 0);
  this.sold = this.sales.reduce((n, s) => n + s.quantity, 0);
  this.available = this.quantity - this.held - this.sold;
  if (this.available < 0) this.invalidate('quantity', `${this.held + this.sold} seats are held or sold, more than the ${this.quantity} listed`);
  // Version 1's lock, for one-seat listings: the order holding or having bought the seat.
  this.orderId = this.quantity === 1 ? (this.holds[0]?.orderId ?? this.sales[0]?.orderId) : undefined;
  if (this.sold === this.quantity) this.soldAt ??= new Date();
  else this.soldAt = undefined;
});

ticketSchema.plugin(outboxPlugin);

// Newest first, for the listing and for /mine: the sort's own order, `_id` breaking ties.
ticketSchema.index({ createdAt: -1, _id: -1 });
// Cheapest all-in first (GET /api/tickets?sort=price).
ticketSchema.index({ allInPrice: 1, _id: 1 });
// One event's listings, newest or cheapest first: the equality on eventId leads, then the sort.
ticketSchema.index({ eventId: 1, createdAt: -1, _id: -1 });
ticketSchema.index({ eventId: 1, allInPrice: 1, _id: 1 });
ticketSchema.index({ userId: 1 });
ticketSchema.index({ orderId: 1 });

ticketSchema.virtual('status').get(function status(this: TicketDoc): TicketStatus {
  if (this.cancelled) return TicketStatus.Cancelled;
  if (this.sold >= this.quantity) return TicketStatus.Sold;
  if (this.available <= 0 && this.held > 0) return TicketStatus.Reserved;
  return TicketStatus.Available;
});

/** Filter: listings anyone may order from (a seat free, the event not cancelled). */
export const availableFilter = { available: { $gt: 0 }, cancelled: false };

export const Ticket = mongoose.model<TicketDoc>('Ticket', ticketSchema);

/** Escapes every regular-expression metacharacter: the search is for the literal text. */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export type ListingSort = 'newest' | 'price';

/** The sort of each order, as its index keeps it (an equality on eventId leads when the list is one event's). */
function sortOf(sort: ListingSort, byEvent: boolean): Record<string, 1 | -1> {
  const keys: Record<string, 1 | -1> = sort === 'price' ? { allInPrice: 1, _id: 1 } : { createdAt: -1, _id: -1 };
  return byEvent ? { eventId: 1, ...keys } : keys;
}

/**
 * Listings with a seat free and not cancelled, a page of them, in the
 * contract's shape: newest first, or cheapest all-in first; `titleContains`
 * matches titles case-insensitively, `eventId` keeps one event's. Read as
 * plain records: a page is only shown, never saved.
 */
export async function findAvailableTickets({
  titleContains,
  eventId,
  sort = 'newest',
  limit,
  offset,
}: {
  titleContains?: string;
  eventId?: string;
  sort?: ListingSort;
  limit: number;
  offset: number;
}): Promise<TicketJSON[]> {
  const filter: Record<string, unknown> = { ...(eventId ? { eventId } : {}), ...availableFilter };
  if (titleContains) filter.title = { $regex: escapeRegExp(titleContains), $options: 'i' };
  const docs = await Ticket.find(filter).sort(sortOf(sort, Boolean(eventId))).skip(offset).limit(limit).lean<StoredTicket[]>().exec();
  return docs.map(ticketJSON);
}

/** One listing in the contract's shape, read as a plain record (it is only shown); null when there is none. */
export async function findTicket(id: string): Promise<TicketJSON | null> {
  const doc = await Ticket.findById(id).lean<StoredTicket>().exec();
  return doc ? ticketJSON(doc) : null;
}

/** Every listing a user made, newest first. */
export function findTicketsOf(userId: string) {
  return Ticket.find({ userId }).sort({ createdAt: -1, _id: -1 }).exec();
}

/** The listings of an event not yet marked cancelled. */
export function findListingsOfEvent(eventId: string) {
  return Ticket.find({ eventId, cancelled: false }).exec();
}
