import mongoose from 'mongoose';

/**
 * An event known to be cancelled (domain/payouts.ts: cancelPayoutsOfEvent),
 * under the event's id. A payout created after the cancellation was handled
 * reads it and cancels itself: the two meet here whatever their order.
 */
export interface CancelledEventDoc {
  _id: string;
  cancelledAt: Date;
}

const cancelledEventSchema = new mongoose.Schema<CancelledEventDoc>(
  {
    _id: { type: String, required: true },
    cancelledAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const CancelledEvent = mongoose.model<CancelledEventDoc>('CancelledEvent', cancelledEventSchema);
