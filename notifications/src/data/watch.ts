import mongoose from 'mongoose';

/** A buyer watching an event for a listing at or under an all-in price. */
export interface WatchDoc extends mongoose.Document {
  userId: string;
  eventId: string;
  /** Dollars, all-in (price + fee per seat). */
  maxPrice: number;
  createdAt: Date;
}

const watchSchema = new mongoose.Schema<WatchDoc>(
  {
    userId: { type: String, required: true },
    eventId: { type: String, required: true },
    maxPrice: { type: Number, required: true, min: 0 },
  },
  { timestamps: true, versionKey: false },
);

watchSchema.index({ eventId: 1 });
watchSchema.index({ userId: 1, createdAt: -1 });

export const Watch = mongoose.model<WatchDoc>('Watch', watchSchema);

/** A watch in responses: `{id, eventId, maxPrice}`. */
export const watchView = (w: WatchDoc) => ({ id: String(w.id), eventId: w.eventId, maxPrice: w.maxPrice });
