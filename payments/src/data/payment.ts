import mongoose from 'mongoose';
import { outboxPlugin, toJSONWithout, WithOutbox } from '@ticketing/common';

export enum PaymentStatus {
  /** The attempt is claimed and its charge sent (or about to be); outcome not recorded yet. */
  Pending = 'pending',
  Succeeded = 'succeeded',
  /** Declined or refused by Stripe: nothing was charged; the order stays payable. */
  Failed = 'failed',
  /** Charged, then refunded because the order was cancelled meanwhile. */
  Refunded = 'refunded',
}

/** Why a refund was decided, when it must be announced: the order's money goes back (payment:refunded). */
export enum RefundReason {
  /** The order's event was cancelled: the buyer guarantee refunds every paid order of it. */
  EventCancelled = 'event-cancelled',
}

/** One charge attempt for an order, and what became of it. */
export interface PaymentAttrs {
  /** The order it pays for; an attempt never moves to another order (immutable). */
  orderId: string;
  /**
   * The Stripe idempotency key of the attempt. Unique: one key is one
   * outcome at Stripe, so it is one record here.
   */
  attemptKey: string;
  /** The Stripe charge id (a declined charge has one too, when Stripe made it). */
  stripeId?: string;
  /** Integer cents. */
  amount: number;
  status: PaymentStatus;
  /** The card token, kept while the attempt is pending so it can be replayed with the same parameters. */
  token?: string;
  failureMessage?: string;
}

export interface PaymentDoc extends mongoose.Document, PaymentAttrs, WithOutbox {
  stripeRefundId?: string;
  /** Set once the order is known to be cancelled and until the refund is recorded. */
  refundDue?: boolean;
  /** Set with refundDue by the buyer guarantee, so whoever records the refund stages payment:refunded. */
  refundReason?: RefundReason;
  createdAt: Date;
  updatedAt: Date;
}

interface PaymentModel extends mongoose.Model<PaymentDoc> {
  build(attrs: PaymentAttrs): PaymentDoc;
}

const paymentSchema = new mongoose.Schema<PaymentDoc, PaymentModel>(
  {
    orderId: { type: String, required: true, immutable: true },
    attemptKey: { type: String, required: true },
    stripeId: {
      type: String,
      required(this: PaymentDoc) {
        return this.status === PaymentStatus.Succeeded || this.status === PaymentStatus.Refunded;
      },
    },
    amount: { type: Number, required: true, min: 0 },
    status: { type: String, required: true, enum: Object.values(PaymentStatus) },
    token: { type: String },
    stripeRefundId: { type: String },
    refundDue: { type: Boolean },
    refundReason: { type: String, enum: Object.values(RefundReason) },
    failureMessage: { type: String },
  },
  {
    timestamps: true,
    toJSON: toJSONWithout('token'),
  },
);

// The database, not a read-then-write, decides which of two concurrent
// requests with one key records its outcome.
paymentSchema.index({ attemptKey: 1 }, { unique: true });
paymentSchema.index({ orderId: 1, status: 1 });
paymentSchema.index({ status: 1, createdAt: 1 });
paymentSchema.index({ refundDue: 1 });
// outboxPlugin takes an untyped Schema; the typed one is the same object.
outboxPlugin(paymentSchema as unknown as mongoose.Schema);

paymentSchema.statics.build = (attrs: PaymentAttrs) => new Payment(attrs);

export const Payment = mongoose.model<PaymentDoc, PaymentModel>('Payment', paymentSchema);

/** Up to `limit` payment attempts still pending that were created before `cutoff`. */
export function pendingAttemptsCreatedBefore(cutoff: Date, limit: number) {
  return Payment.find({ status: PaymentStatus.Pending, createdAt: { $lt: cutoff } }).limit(limit).exec();
}
