import mongoose from 'mongoose';

/** A seller's Stripe Connect (Express) account, under the seller's user id: the unique `_id` makes it one per seller. */
export interface SellerAccountDoc {
  _id: string;
  accountId: string;
  createdAt: Date;
}

const sellerAccountSchema = new mongoose.Schema<SellerAccountDoc>(
  {
    _id: { type: String, required: true },
    accountId: { type: String, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const SellerAccount = mongoose.model<SellerAccountDoc>('SellerAccount', sellerAccountSchema);
