import Stripe from 'stripe';
import { failedAttemptsOf, payableAmount } from './charges';

/**
 * The idempotency key of an order's browser-side PaymentIntent: while no
 * attempt of the order has failed, asking again returns the same one.
 */
export const intentKeyFor = (orderId: string, failedAttempts: number) => `intent-${orderId}-${failedAttempts}`;

/**
 * POST /api/payments/intents: a PaymentIntent for the order, to be confirmed
 * in the browser with Stripe's Payment Element. The same checks as a payment
 * (404, 401, paid, expired, cancelled, chargeable amount). Nothing is recorded
 * here: the payment is recorded when Stripe's webhook says how it ended.
 */
export async function createOrderIntent(stripe: Stripe, { orderId, userId }: { orderId: string; userId: string }): Promise<string> {
  const amount = await payableAmount(orderId, userId);
  const intent = await stripe.paymentIntents.create(
    {
      amount,
      currency: 'usd',
      automatic_payment_methods: { enabled: true },
      description: `Ticketing order ${orderId}`,
      metadata: { orderId },
    },
    { idempotencyKey: intentKeyFor(orderId, await failedAttemptsOf(orderId)) },
  );
  if (!intent.client_secret) throw new Error(`PaymentIntent ${intent.id} came without a client secret`);
  return intent.client_secret;
}
