import mongoose from 'mongoose';

/**
 * A Stripe webhook event that was handled. The event id is the `_id`, so the
 * database's unique index, not a read-then-write, says an event was seen:
 * Stripe delivers at least once and retries what was not answered 2xx.
 */
export interface StripeEventDoc {
  _id: string;
  type: string;
  /** What handling it did (recorded, duplicate of a recorded state, unknown order, ignored type). */
  outcome: string;
  handledAt: Date;
}

const stripeEventSchema = new mongoose.Schema<StripeEventDoc>(
  {
    _id: { type: String, required: true },
    type: { type: String, required: true },
    outcome: { type: String, required: true },
    handledAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const StripeEvent = mongoose.model<StripeEventDoc>('StripeEvent', stripeEventSchema);
