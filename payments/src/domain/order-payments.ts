import mongoose from 'mongoose';
import { Order } from '../data/order';
import { Payment, PaymentDoc } from '../data/payment';

/** What a lookup of an order's payments may ask about each one. */
export type PaymentWhere = Partial<Pick<PaymentDoc, 'status' | 'attemptKey' | 'stripeId'>>;

/**
 * Lists a payment on its order's replica, before the payment is written (so
 * every stored payment of the order is on the list; one whose write then
 * fails is a stale entry, skipped when read). Only a replica that keeps the
 * list (created since it exists) gets it: on an older one the list would be
 * incomplete, and its payments are found by their fields instead.
 */
export async function listPayment(orderId: string, paymentId: mongoose.Types.ObjectId): Promise<void> {
  await Order.updateOne({ _id: orderId, paymentIds: { $exists: true } }, { $addToSet: { paymentIds: String(paymentId) } });
}

/** Takes back an entry whose payment was not written after all (best effort: a stale entry is harmless). */
async function unlistPayment(orderId: string, paymentId: mongoose.Types.ObjectId): Promise<void> {
  await Order.updateOne({ _id: orderId }, { $pull: { paymentIds: String(paymentId) } }).catch(() => undefined);
}

/** Writes a new payment listed on its order (listPayment first); a write that fails takes its entry back and rethrows. */
export async function saveListedPayment(payment: PaymentDoc): Promise<PaymentDoc> {
  await listPayment(payment.orderId, payment._id as mongoose.Types.ObjectId);
  try {
    return await payment.save();
  } catch (err) {
    await unlistPayment(payment.orderId, payment._id as mongoose.Types.ObjectId);
    throw err;
  }
}

/**
 * The order's payments that match `where`, each read by _id from the order's
 * list (FerretDB v1 pushes down only `_id` equality: a find by `orderId` is a
 * full scan of the payments, three per POST /api/payments before this).
 * `order` is the replica when the caller has just read it. Without a list
 * (an order replicated before the list existed, or unknown here) they are
 * found by their fields.
 */
export async function paymentsOf(orderId: string, where: PaymentWhere = {}, order?: { paymentIds?: string[] } | null): Promise<PaymentDoc[]> {
  const listed = (order === undefined ? await Order.findById(orderId, { paymentIds: 1 }).lean() : order)?.paymentIds;
  if (!listed) return Payment.find({ orderId, ...where });
  const payments: Array<PaymentDoc | null> = await Promise.all(listed.map((id) => Payment.findById(id)));
  return payments.filter(
    (p): p is PaymentDoc => !!p && p.orderId === orderId && Object.entries(where).every(([field, value]) => p.get(field) === value),
  );
}
