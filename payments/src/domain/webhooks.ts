import { audit, isDuplicateKey, logger } from '@ticketing/common';
import Stripe from 'stripe';
import { Order } from '../data/order';
import { Payment, PaymentDoc, PaymentStatus } from '../data/payment';
import { StripeEvent } from '../data/stripe-event';
import { recordFailed, recordSucceeded, Settlement } from './charges';

const DECLINED = 'Your card was declined.';

export type WebhookOutcome = 'recorded' | 'duplicate' | 'unknown-order' | 'ignored';

/** The key a PaymentIntent the browser confirmed is recorded under (the route's attempts carry theirs in metadata). */
export const intentAttemptKey = (intentId: string) => `intent-${intentId}`;

/**
 * The payment record of a PaymentIntent: the route's attempt (found by the
 * PaymentIntent id, or by the attempt key in its metadata), or a new one for
 * a PaymentIntent confirmed in the browser. Created pending, so that what
 * happens to it next goes through the same conditional transitions as the
 * route's; two webhooks creating it at once meet at the unique attempt key.
 */
export async function paymentOfIntent(intent: Stripe.PaymentIntent, orderId: string): Promise<PaymentDoc> {
  const attemptKey = intent.metadata?.attemptKey || intentAttemptKey(intent.id);
  for (let tries = 0; tries < 5; tries += 1) {
    const found = (await Payment.findOne({ attemptKey })) ?? (await Payment.findOne({ orderId, stripeId: intent.id }));
    if (found) return found;
    try {
      return await Payment.build({ orderId, attemptKey, stripeId: intent.id, amount: intent.amount, status: PaymentStatus.Pending }).save();
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Created by a concurrent delivery meanwhile: read it.
    }
  }
  throw new Error(`cannot find or create the payment of ${intent.id}`);
}

export interface IntentRecording {
  payment: PaymentDoc;
  settlement?: Settlement;
}

/**
 * Records how a PaymentIntent of an order ended, as Stripe's webhook or the
 * buyer's page reports it: through the same conditional moves as the route's
 * attempts (a success from pending or failed, a decline only from pending),
 * with an audit event for each change it made.
 */
export async function recordIntentOutcome(
  stripe: Stripe,
  intent: Stripe.PaymentIntent,
  orderId: string,
  result: 'succeeded' | 'failed',
  via: 'webhook' | 'browser',
): Promise<IntentRecording> {
  const payment = await paymentOfIntent(intent, orderId);
  const wasPending = payment.status === PaymentStatus.Pending;
  if (result === 'succeeded') {
    const settlement = await recordSucceeded(stripe, payment, intent);
    if (payment.status !== PaymentStatus.Succeeded && settlement.payment.status === PaymentStatus.Succeeded) {
      audit('payment.charged', { orderId, paymentId: settlement.payment.id, paymentIntent: intent.id, via });
    }
    return { payment: settlement.payment, settlement };
  }
  const settled = await recordFailed(payment, intent.last_payment_error?.message || DECLINED, intent.id);
  if (wasPending && settled.status === PaymentStatus.Failed) audit('payment.declined', { orderId, paymentId: settled.id, paymentIntent: intent.id, via });
  return { payment: settled };
}

/**
 * Applies one verified Stripe event. Each event id is handled once (its
 * record is written after its effect, so a delivery that failed half-way is
 * handled again when Stripe retries); and handling it twice changes nothing
 * anyway: a success is recorded (and payment:created staged) only from
 * pending or failed, a decline only from pending, so events arriving out of
 * order or concurrently leave the state the latest real outcome gives.
 */
export async function handleStripeEvent(stripe: Stripe, event: Stripe.Event): Promise<WebhookOutcome> {
  if (await StripeEvent.exists({ _id: event.id })) return 'duplicate';
  let outcome: WebhookOutcome = 'ignored';
  if (event.type === 'payment_intent.succeeded' || event.type === 'payment_intent.payment_failed') {
    const intent = event.data.object;
    const orderId = intent.metadata?.orderId;
    const order = orderId ? await Order.findById(orderId).select('_id').lean() : null;
    if (!orderId || !order) {
      // Not ours to record (another integration on the account, or an order this service never heard of).
      logger.warn({ eventId: event.id, type: event.type, paymentIntent: intent.id, orderId }, 'Stripe event for an unknown order; acknowledged');
      outcome = 'unknown-order';
    } else {
      await recordIntentOutcome(stripe, intent, orderId, event.type === 'payment_intent.succeeded' ? 'succeeded' : 'failed', 'webhook');
      outcome = 'recorded';
    }
  }
  try {
    await StripeEvent.create({ _id: event.id, type: event.type, outcome, handledAt: new Date() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  return outcome;
}
