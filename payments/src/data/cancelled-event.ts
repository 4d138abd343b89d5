import mongoose from 'mongoose';
import { isDuplicateKey } from '@ticketing/common';

/**
 * An event the payments service heard was cancelled (event:cancelled), under
 * the event's id: for good, so a record is only ever added. A payment of one
 * of its orders that succeeds after this record is written is refunded, not
 * kept (domain/guarantee.ts), and a payout created after it cancels itself
 * (domain/payouts.ts): each meets the cancellation here whatever their order.
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

/** Records the event as cancelled; recording it again (a redelivery, another replica) changes nothing. */
export async function rememberCancelledEvent(eventId: string, now = new Date()): Promise<void> {
  try {
    await CancelledEvent.create({ _id: eventId, cancelledAt: now });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/** Whether the event is known to be cancelled. */
export async function isCancelledEvent(eventId: string): Promise<boolean> {
  return (await CancelledEvent.exists({ _id: eventId })) !== null;
}
