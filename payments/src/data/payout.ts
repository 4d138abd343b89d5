import mongoose from 'mongoose';
import { outboxPlugin, WithOutbox } from '@ticketing/common';

export enum PayoutStatus {
  /** Waiting for its releaseAt, or for the seller's account. */
  Pending = 'pending',
  /** Claimed by a release that is calling Stripe (shown as pending): only its claimant, or one taking over a lapsed claim, sends the transfer. */
  Releasing = 'releasing',
  Paid = 'paid',
  /** Its event was cancelled (or its order refunded) before it was paid. */
  Cancelled = 'cancelled',
  /** Paid, then taken back by a transfer reversal: its event was cancelled. */
  Reversed = 'reversed',
}

/** What a seller is owed for one paid order, and what became of it. */
export interface PayoutAttrs {
  orderId: string;
  ticketId: string;
  sellerId: string;
  eventId?: string;
  /** Dollars: the order's unit price × quantity (the buyer's fee stays with the platform). */
  amount: number;
  status: PayoutStatus;
  releaseAt: Date;
  /** The event replica's version releaseAt was computed from: a move applies only from a newer one. */
  eventVersion?: number;
}

export interface PayoutDoc extends mongoose.Document, PayoutAttrs, WithOutbox {
  /** When the release holding it claimed it (status releasing). */
  claimedAt?: Date;
  /** Transfers Stripe definitely refused (an account not ready yet): the next try's idempotency key. */
  refusals: number;
  transferId?: string;
  paidAt?: Date;
  /** Set once its event is known cancelled: pending ones are cancelled, paid ones reversed, a release in flight reverses after recording. */
  cancelRequested?: boolean;
  reversalId?: string;
  createdAt: Date;
  updatedAt: Date;
}

const payoutSchema = new mongoose.Schema<PayoutDoc>(
  {
    orderId: { type: String, required: true, immutable: true },
    ticketId: { type: String, required: true },
    sellerId: { type: String, required: true },
    eventId: { type: String },
    amount: { type: Number, required: true, min: 0 },
    status: { type: String, required: true, enum: Object.values(PayoutStatus) },
    releaseAt: { type: Date, required: true },
    eventVersion: { type: Number },
    claimedAt: { type: Date },
    refusals: { type: Number, required: true, default: 0 },
    transferId: { type: String },
    paidAt: { type: Date },
    cancelRequested: { type: Boolean },
    reversalId: { type: String },
  },
  { timestamps: true, versionKey: false },
);

// One payout per order: the database, not a read-then-write, decides between two deliveries of payment:created.
// payout:paid is staged in the write that records the transfer.
payoutSchema.plugin(outboxPlugin);

payoutSchema.index({ orderId: 1 }, { unique: true });
// The releaser's query: pending ones that are due, oldest first; and claims that lapsed.
payoutSchema.index({ status: 1, releaseAt: 1 });
payoutSchema.index({ status: 1, claimedAt: 1 });
payoutSchema.index({ sellerId: 1, createdAt: -1 });
payoutSchema.index({ eventId: 1, status: 1 });
payoutSchema.index({ cancelRequested: 1, status: 1 }, { sparse: true });

export const Payout = mongoose.model<PayoutDoc>('Payout', payoutSchema);

/** A payout as GET /api/payouts shows it: a release in flight is still pending to the seller. */
export function payoutView(payout: PayoutDoc) {
  return {
    id: payout.id as string,
    orderId: payout.orderId,
    ticketId: payout.ticketId,
    amount: payout.amount,
    status: payout.status === PayoutStatus.Releasing ? PayoutStatus.Pending : payout.status,
    releaseAt: payout.releaseAt.toISOString(),
    ...(payout.transferId && payout.status !== PayoutStatus.Releasing ? { transferId: payout.transferId } : {}),
  };
}
