import mongoose from 'mongoose';
import { outboxPlugin, toJSONOptions, WithOutbox } from '@ticketing/common';

export enum PassStatus {
  /** Admits its holder once. */
  Valid = 'valid',
  /** Admitted at the gate. */
  Used = 'used',
  /** Transferred (a new pass replaced it), or its order refunded, or its event cancelled. */
  Void = 'void',
}

export interface Seat {
  section?: string;
  row?: string;
  /** 1..N within its order. */
  number: number;
}

export interface PassAttrs {
  /** Derived from the order and seat for a first pass (so issuing twice is one insert), random for a transferred one. */
  _id: mongoose.Types.ObjectId;
  orderId: string;
  ticketId: string;
  eventId?: string;
  holderId: string;
  /** The listing's title, so the holder's list needs no second read. */
  title: string;
  seat: Seat;
  /** `<id>.<nonce>.<signature>` (domain/pass-codes.ts): what the QR code carries. */
  code: string;
  status: PassStatus;
  /** The pass this one replaced (a transfer). */
  fromPassId?: string;
}

export interface PassDoc extends mongoose.Document, PassAttrs, WithOutbox {
  _id: mongoose.Types.ObjectId;
  usedAt?: Date;
  createdAt: Date;
}

/** A pass in responses (docs/contract.md). */
export interface PassJSON {
  id: string;
  orderId: string;
  ticketId: string;
  eventId?: string;
  holderId: string;
  title: string;
  seat: Seat;
  code: string;
  status: PassStatus;
}

export function passJSON(doc: Pick<PassAttrs, '_id' | 'orderId' | 'ticketId' | 'eventId' | 'holderId' | 'title' | 'seat' | 'code' | 'status'>): PassJSON {
  return {
    id: String(doc._id),
    orderId: doc.orderId,
    ticketId: doc.ticketId,
    ...(doc.eventId ? { eventId: doc.eventId } : {}),
    holderId: doc.holderId,
    title: doc.title,
    seat: {
      ...(doc.seat.section ? { section: doc.seat.section } : {}),
      ...(doc.seat.row ? { row: doc.seat.row } : {}),
      number: doc.seat.number,
    },
    code: doc.code,
    status: doc.status,
  };
}

const seatSchema = new mongoose.Schema<Seat>(
  { section: { type: String }, row: { type: String }, number: { type: Number, required: true, min: 1 } },
  { _id: false },
);

const passSchema = new mongoose.Schema<PassDoc>(
  {
    // Immutable and leading an index: a find by it is an index lookup on MongoDB, a lookup list on FerretDB.
    orderId: { type: String, required: true, immutable: true },
    ticketId: { type: String, required: true, immutable: true },
    eventId: { type: String, immutable: true },
    // A transfer makes a new pass rather than changing the holder.
    holderId: { type: String, required: true, immutable: true },
    title: { type: String, required: true },
    seat: { type: seatSchema, required: true },
    code: { type: String, required: true },
    status: { type: String, enum: Object.values(PassStatus), required: true, default: PassStatus.Valid },
    fromPassId: { type: String },
    usedAt: { type: Date },
  },
  {
    versionKey: false,
    timestamps: true,
    toJSON: { ...toJSONOptions, transform: (doc: PassDoc): PassJSON => passJSON(doc) },
  },
);

passSchema.plugin(outboxPlugin);
passSchema.index({ holderId: 1 });
passSchema.index({ orderId: 1 });
passSchema.index({ eventId: 1 });

export const Pass = mongoose.model<PassDoc>('Pass', passSchema);

export enum Outcome {
  Admitted = 'admitted',
  Transferred = 'transferred',
  Voided = 'voided',
}

/**
 * What became of a valid pass, written once under the pass's id: the first
 * admission, transfer or void inserts it and every later one finds it taken.
 * A unique `_id` holds across processes on MongoDB and on FerretDB alike
 * (docs/ferretdb.md: the record lock is per process), so of concurrent
 * scans or transfers of one pass, on any number of replicas, exactly one
 * wins. The pass's `status` follows it.
 */
export interface PassOutcomeDoc {
  /** The pass's id. */
  _id: string;
  outcome: Outcome;
  at: Date;
  /** A transfer: the recipient and the id of their new pass (so a transfer cut short is completed by the next attempt). */
  toUserId?: string;
  toPassId?: string;
}

export const PassOutcome = mongoose.model<PassOutcomeDoc>(
  'PassOutcome',
  new mongoose.Schema<PassOutcomeDoc>(
    {
      _id: { type: String, required: true },
      outcome: { type: String, enum: Object.values(Outcome), required: true },
      at: { type: Date, required: true },
      toUserId: { type: String },
      toPassId: { type: String },
    },
    { versionKey: false },
  ),
);
