import mongoose from 'mongoose';
import { outboxPlugin, toJSONOptions, WithOutbox } from '@ticketing/common';

export enum TicketStatus {
  /** Listed and free to order. */
  Available = 'available',
  /** Locked by an order that is not paid yet. */
  Reserved = 'reserved',
  /** Paid for: locked for good. */
  Sold = 'sold',
}

export interface TicketAttrs {
  title: string;
  /** Dollars, at most two decimals. */
  price: number;
  userId: string;
}

export interface TicketDoc extends mongoose.Document, TicketAttrs, WithOutbox {
  /** Bumped by every change; mongoose checks it on save (optimistic concurrency). */
  version: number;
  /** The order holding the lock (kept once sold: the order that bought it). */
  orderId?: string;
  /** When payment:created for the locking order arrived. */
  soldAt?: Date;
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

/** A ticket in responses (docs/contract.md): `{id, title, price, userId, version, orderId?}`. */
export interface TicketJSON {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
  orderId?: string;
}

/** The contract's ticket shape, from a stored ticket (a document, or a plain record read with `lean`). */
export function ticketJSON(doc: Pick<TicketDoc, 'title' | 'price' | 'userId' | 'version' | 'orderId'> & { _id: unknown }): TicketJSON {
  return {
    id: String(doc._id),
    title: doc.title,
    price: doc.price,
    userId: doc.userId,
    version: doc.version,
    ...(doc.orderId ? { orderId: doc.orderId } : {}),
  };
}

const ticketSchema = new mongoose.Schema<TicketDoc>(
  {
    title: { type: String, required: true, trim: true },
    price: { type: Number, required: true, min: 0.01 },
    userId: { type: String, required: true },
    orderId: { type: String },
    soldAt: { type: Date },
    cancelledOrderIds: { type: [String], default: [] },
  },
  {
    versionKey: 'version',
    optimisticConcurrency: true,
    timestamps: true,
    toJSON: {
      ...toJSONOptions,
      // Built from the document: exactly the contract's ticket shape. Only
      // GET /api/tickets/mine adds `status` (see entry-points/http/mine.ts).
      transform: (doc: TicketDoc): TicketJSON => ticketJSON(doc),
    },
  },
);

ticketSchema.plugin(outboxPlugin);

// Newest first, for the listing and for /mine: the sort's own order, `_id` breaking ties.
ticketSchema.index({ createdAt: -1, _id: -1 });
ticketSchema.index({ userId: 1 });
ticketSchema.index({ orderId: 1 });

ticketSchema.virtual('status').get(function status(this: TicketDoc): TicketStatus {
  if (this.soldAt) return TicketStatus.Sold;
  if (this.orderId) return TicketStatus.Reserved;
  return TicketStatus.Available;
});


/** Filter: tickets anyone may order. */
export const availableFilter = { orderId: null, soldAt: null };

export const Ticket = mongoose.model<TicketDoc>('Ticket', ticketSchema);

/** Escapes every regular-expression metacharacter: the search is for the literal text. */
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A stored ticket as `lean` reads it, as far as the contract's shape needs. */
type StoredTicket = TicketAttrs & { _id: unknown; version: number; orderId?: string };

/**
 * Available tickets, newest first, a page of them, in the contract's shape;
 * `titleContains` matches titles case-insensitively. Read as plain records:
 * a page is only shown, never saved.
 */
export async function findAvailableTickets({ titleContains, limit, offset }: { titleContains?: string; limit: number; offset: number }): Promise<TicketJSON[]> {
  const filter: Record<string, unknown> = { ...availableFilter };
  if (titleContains) filter.title = { $regex: escapeRegExp(titleContains), $options: 'i' };
  const docs = await Ticket.find(filter).sort({ createdAt: -1, _id: -1 }).skip(offset).limit(limit).lean<StoredTicket[]>().exec();
  return docs.map(ticketJSON);
}

/** One ticket in the contract's shape, read as a plain record (it is only shown); null when there is none. */
export async function findTicket(id: string): Promise<TicketJSON | null> {
  const doc = await Ticket.findById(id).lean<StoredTicket>().exec();
  return doc ? ticketJSON(doc) : null;
}

/** Every ticket a user listed, newest first. */
export function findTicketsOf(userId: string) {
  return Ticket.find({ userId }).sort({ createdAt: -1, _id: -1 }).exec();
}

