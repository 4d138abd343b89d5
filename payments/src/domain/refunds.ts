import mongoose from 'mongoose';
import { audit, logger, saveWithEvent, Subjects } from '@ticketing/common';
import Stripe from 'stripe';
import { Payment, PaymentDoc, PaymentStatus, RefundReason } from '../data/payment';
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
 * and records it. The decision is stored first (`refundDue`, and `reason`
 * when the refund must be announced), so a refund Stripe could not take now
 * is retried by the RefundRetrier. Safe to call twice, concurrently too: the
 * Stripe idempotency key is derived from the charge, and only a payment still
 * `succeeded` becomes `refunded`. A refund with a reason stages
 * payment:refunded in the write that records it.
 */
export async function refundPayment(stripe: Stripe, payment: PaymentDoc, reason?: RefundReason): Promise<void> {
  const due = await Payment.findOneAndUpdate(
    { _id: payment._id, status: PaymentStatus.Succeeded },
    { $set: { refundDue: true, ...(reason ? { refundReason: reason } : {}) } },
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
  const recorded = due.refundReason ? await recordAnnouncedRefund(due, refund.id) : await recordRefund(due, refund.id);
  // Two refunders of one payment meet at Stripe's idempotency key; the one whose write recorded it tells.
  if (recorded) audit('payment.refunded', { paymentId: due.id, orderId: due.orderId, refundId: refund.id, ...(due.refundReason ? { reason: due.refundReason } : {}) });
}

/** succeeded → refunded, only from succeeded; true when this write recorded it. */
async function recordRefund(due: PaymentDoc, refundId: string): Promise<boolean> {
  const recorded = await Payment.updateOne(
    { _id: due._id, status: PaymentStatus.Succeeded },
    { $set: { status: PaymentStatus.Refunded, stripeRefundId: refundId }, $unset: { refundDue: 1 } },
  );
  return recorded.modifiedCount === 1;
}

/**
 * succeeded → refunded with payment:refunded staged in the same write (the
 * order's money went back: orders moves it to refunded), conditional on the
 * payment still being succeeded, so the event is staged once however many
 * refunders record it. True when this write recorded it.
 */
async function recordAnnouncedRefund(due: PaymentDoc, refundId: string): Promise<boolean> {
  let payment: PaymentDoc | null = due;
  for (let tries = 0; payment && payment.status === PaymentStatus.Succeeded && tries < 5; tries += 1) {
    payment.set({ status: PaymentStatus.Refunded, stripeRefundId: refundId, refundDue: undefined });
    try {
      await saveWithEvent(
        payment,
        Subjects.PaymentRefunded,
        { id: payment.id, orderId: payment.orderId, stripeRefundId: refundId, amount: payment.amount },
        { status: PaymentStatus.Succeeded },
        // Nothing waits on the publish: the refund is stored with its event, the relay sends it.
        { awaitPublish: false },
      );
      return true;
    } catch (err) {
      // Matched nothing: recorded (or changed) by someone else since it was read.
      if (!(err instanceof mongoose.Error.VersionError || err instanceof mongoose.Error.DocumentNotFoundError)) throw err;
    }
    payment = await Payment.findById(due._id);
  }
  return false;
}

/** Refunds every succeeded payment of an order (there is at most one kept; others are refunded as they are found). */
export async function refundOrderPayments(stripe: Stripe, orderId: string, reason?: RefundReason): Promise<number> {
  const payments = await paymentsOf(orderId, { status: PaymentStatus.Succeeded });
  for (const payment of payments) await refundPayment(stripe, payment, reason);
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
