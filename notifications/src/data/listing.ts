import mongoose from 'mongoose';

/** The replica of listings (ticket:created/updated): their titles in messages, their sellers and prices for alerts. */
export interface ListingDoc {
  _id: mongoose.Types.ObjectId;
  title: string;
  /** The seller. */
  userId: string;
  eventId?: string;
  price: number;
  /** The buyer's fee per seat, dollars. */
  fee: number;
  quantity: number;
  cancelled: boolean;
  /** The tickets service's version: an older message changes nothing. */
  version: number;
}

const listingSchema = new mongoose.Schema<ListingDoc>(
  {
    title: { type: String, required: true },
    userId: { type: String, required: true },
    eventId: { type: String },
    price: { type: Number, required: true },
    fee: { type: Number, required: true },
    quantity: { type: Number, required: true },
    cancelled: { type: Boolean, required: true, default: false },
    version: { type: Number, required: true },
  },
  { versionKey: false },
);

listingSchema.index({ eventId: 1 });

export const Listing = mongoose.model<ListingDoc>('Listing', listingSchema);
