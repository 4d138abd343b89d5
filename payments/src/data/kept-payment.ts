import mongoose from 'mongoose';

/**
 * The one payment an order keeps. Two PaymentIntents of one order can both
 * succeed (one confirmed in the browser, one by POST /api/payments); each
 * recorder of a success inserts this record under the order's id, and the
 * unique `_id` (atomic on any server, across processes) picks the
 * single winner. Every other succeeded payment of the order is refunded.
 */
export interface KeptPaymentDoc {
  /** The order's id. */
  _id: string;
  paymentId: string;
  keptAt: Date;
}

const keptPaymentSchema = new mongoose.Schema<KeptPaymentDoc>(
  {
    _id: { type: String, required: true },
    paymentId: { type: String, required: true },
    keptAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const KeptPayment = mongoose.model<KeptPaymentDoc>('KeptPayment', keptPaymentSchema);
