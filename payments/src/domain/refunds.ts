import { audit, logger } from '@ticketing/common';
import Stripe from 'stripe';
import { Payment, PaymentDoc, PaymentStatus } from '../data/payment';
import { paymentsOf } from './order-payments';

/** One refund per payment, however often it is attempted. */
export const refundKeyFor = (stripeId: string) => `refund-${stripeId}`;

/**
 * What a refund names: the PaymentIntent (`pi_…`); a payment recorded before
 * the move to PaymentIntents names its charge (`ch_…`).
 */
const refundTarget = (stripeId: string): { payment_intent: string } | { charge: string } =>
  stripeId.startsWith('ch_') ? { charge: stripeId } : { payment_intent: stripeId };

/** The refund Stripe already holds for a payment (refunded by an earlier attempt, or by hand). */
async function existingRefund(stripe: Stripe, stripeId: string): Promise<Stripe.Refund | undefined> {
  const refunds = await stripe.refunds.list({ ...refundTarget(stripeId), limit: 1 });
  return refunds.data[0];
}

/**
 * Refunds a succeeded payment through Stripe (`refunds.create({ payment_intent })`)
 * and records it. The decision is stored first (`refundDue`), so a refund Stripe could not take now is
 * retried by the RefundRetrier. Safe to call twice, concurrently too: the
 * Stripe idempotency key is derived from the charge, and only a payment still
 * `succeeded` becomes `refunded`.
 */
export async function refundPayment(stripe: Stripe, payment: PaymentDoc): Promise<void> {
  const due = await Payment.findOneAndUpdate(
    { _id: payment._id, status: PaymentStatus.Succeeded },
    { $set: { refundDue: true } },
    { new: true },
  );
  if (!due) return; // refunded already, or nothing was charged
  const stripeId = due.stripeId!;
  let refund: Stripe.Refund | undefined;
  try {
    refund = await stripe.refunds.create(
      { ...refundTarget(stripeId), metadata: { orderId: due.orderId, paymentId: due.id } },
      { idempotencyKey: refundKeyFor(stripeId) },
    );
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'charge_already_refunded')) throw err;
    refund = await existingRefund(stripe, stripeId);
    if (!refund) throw err;
  }
  const recorded = await Payment.updateOne(
    { _id: due._id, status: PaymentStatus.Succeeded },
    { $set: { status: PaymentStatus.Refunded, stripeRefundId: refund.id }, $unset: { refundDue: 1 } },
  );
  // Two refunders of one payment meet at Stripe's idempotency key; the one whose write recorded it tells.
  if (recorded.modifiedCount === 1) audit('payment.refunded', { paymentId: due.id, orderId: due.orderId, refundId: refund.id });
}

/** Refunds every succeeded payment of an order (there is at most one). */
export async function refundOrderPayments(stripe: Stripe, orderId: string): Promise<number> {
  const payments = await paymentsOf(orderId, { status: PaymentStatus.Succeeded });
  for (const payment of payments) await refundPayment(stripe, payment);
  return payments.length;
}

/** Retries the refunds that were decided but not taken by Stripe yet; resolves with how many were recorded. */
export async function retryDueRefunds(stripe: Stripe, batchSize = 100): Promise<number> {
  const due = await Payment.find({ status: PaymentStatus.Succeeded, refundDue: true }).limit(batchSize);
  let refunded = 0;
  for (const payment of due) {
    try {
      await refundPayment(stripe, payment);
      refunded += 1;
    } catch (err) {
      logger.warn({ err, paymentId: payment.id, orderId: payment.orderId }, 'refund failed; will retry');
    }
  }
  return refunded;
}
