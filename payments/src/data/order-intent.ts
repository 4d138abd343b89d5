import mongoose from 'mongoose';

/**
 * A PaymentIntent this service created for an order's payment in the browser
 * (POST /api/payments/intents), under the PaymentIntent's id. It ties the
 * PaymentIntent to the order and the buyer on our side, so the buyer's page
 * can report the payment it confirmed (POST /api/payments/intents/confirmed)
 * for that order only.
 */
export interface OrderIntentDoc {
  /** The PaymentIntent's id. */
  _id: string;
  orderId: string;
  userId: string;
  /** Integer cents. */
  amount: number;
  createdAt: Date;
}

const orderIntentSchema = new mongoose.Schema<OrderIntentDoc>(
  {
    _id: { type: String, required: true },
    orderId: { type: String, required: true },
    userId: { type: String, required: true },
    amount: { type: Number, required: true, min: 0 },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false },
);

export const OrderIntent = mongoose.model<OrderIntentDoc>('OrderIntent', orderIntentSchema);
