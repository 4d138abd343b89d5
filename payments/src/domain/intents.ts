import { BadRequestError, isDuplicateKey, NotAuthorizedError, NotFoundError, PaymentDeclinedError } from '@ticketing/common';
import Stripe from 'stripe';
import { Order } from '../data/order';
import { OrderIntent } from '../data/order-intent';
import { PaymentDoc, PaymentStatus } from '../data/payment';
import { ALREADY_PAID, CANCELLED, outcomeOfIntent, payableOrder, PaymentPendingError, unpayableReason } from './charges';
import { paymentOfIntent, recordIntentOutcome } from './webhooks';

export const UNKNOWN_INTENT = 'Unknown payment for this order';

/**
 * The idempotency key of an order's browser-side PaymentIntent: while no
 * attempt of the order has failed, asking again returns the same one.
 */
export const intentKeyFor = (orderId: string, failedAttempts: number) => `intent-${orderId}-${failedAttempts}`;

export interface OrderIntentAnswer {
  clientSecret: string;
  paymentIntentId: string;
}

/**
 * POST /api/payments/intents: a PaymentIntent for the order, to be confirmed
 * in the browser with Stripe's Payment Element. The same checks as a payment
 * (404, 401, paid, expired, cancelled, chargeable amount). Only the tie of
 * the PaymentIntent to the order and buyer is recorded here (OrderIntent);
 * the payment is recorded when Stripe's webhook, or the buyer's page, says
 * how it ended.
 */
export async function createOrderIntent(stripe: Stripe, { orderId, userId }: { orderId: string; userId: string }): Promise<OrderIntentAnswer> {
  const { amount, failedAttempts } = await payableOrder(orderId, userId);
  const intent = await stripe.paymentIntents.create(
    {
      amount,
      currency: 'usd',
      automatic_payment_methods: { enabled: true },
      description: `Ticketing order ${orderId}`,
      metadata: { orderId },
    },
    { idempotencyKey: intentKeyFor(orderId, failedAttempts) },
  );
  if (!intent.client_secret) throw new Error(`PaymentIntent ${intent.id} came without a client secret`);
  try {
    await OrderIntent.create({ _id: intent.id, orderId, userId, amount, createdAt: new Date() });
  } catch (err) {
    // The same PaymentIntent again (the idempotency key replayed it): already tied.
    if (!isDuplicateKey(err)) throw err;
  }
  return { clientSecret: intent.client_secret, paymentIntentId: intent.id };
}

export interface BrowserIntentResult {
  payment: PaymentDoc;
  /** Set while the PaymentIntent is not finished (processing, or waiting for the buyer). */
  intentStatus?: Stripe.PaymentIntent.Status;
}

/**
 * POST /api/payments/intents/confirmed: the buyer's page reports the
 * PaymentIntent it confirmed with Stripe.js. What it says is not trusted:
 * the PaymentIntent is read back from Stripe, and it must be one this
 * service created for this order and buyer. Then it is recorded as the
 * webhook records it (the two meet at the same record, in either order).
 * Answers like POST /api/payments: paid (201), declined (402), cancelled or
 * paid meanwhile (400; the payment is refunded), not finished yet (202).
 */
export async function recordBrowserIntent(
  stripe: Stripe,
  { orderId, paymentIntentId, userId }: { orderId: string; paymentIntentId: string; userId: string },
): Promise<BrowserIntentResult> {
  const order = await Order.findById(orderId);
  if (!order) throw new NotFoundError();
  if (order.userId !== userId) throw new NotAuthorizedError();
  const tie = await OrderIntent.findById(paymentIntentId).lean();
  if (!tie || tie.orderId !== orderId) throw new BadRequestError(UNKNOWN_INTENT);

  let intent: Stripe.PaymentIntent;
  try {
    intent = await stripe.paymentIntents.retrieve(paymentIntentId);
  } catch (err) {
    // Cannot tell how it stands now: the webhook (or a later report) records it.
    if (err instanceof Stripe.errors.StripeConnectionError || err instanceof Stripe.errors.StripeAPIError) throw new PaymentPendingError();
    throw err;
  }
  // Our record, not the reported id's metadata, says whose it is.
  const tied: Stripe.PaymentIntent = { ...intent, id: paymentIntentId, metadata: { ...intent.metadata, orderId } };
  const outcome = outcomeOfIntent(tied);
  if (outcome.result === 'in_progress') {
    // Processing, or waiting for the buyer: its record stays pending until the webhook says more.
    return { payment: await paymentOfIntent(tied, orderId), intentStatus: tied.status };
  }
  if (outcome.result === 'refused') {
    await recordIntentOutcome(stripe, tied, orderId, 'failed', 'browser');
    throw new PaymentDeclinedError(outcome.message);
  }
  const { payment, settlement } = await recordIntentOutcome(stripe, tied, orderId, 'succeeded', 'browser');
  if (settlement?.refundedAsDuplicate) throw new BadRequestError(ALREADY_PAID);
  if (settlement?.refundedForCancelledOrder || payment.status === PaymentStatus.Refunded) {
    const now = await Order.findById(orderId);
    throw new BadRequestError((now && unpayableReason(now)) || CANCELLED);
  }
  return { payment };
}
