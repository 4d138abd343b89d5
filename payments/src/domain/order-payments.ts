import { Payment, PaymentDoc } from '../data/payment';

/** What a lookup of an order's payments may ask about each one. */
export type PaymentWhere = Partial<Pick<PaymentDoc, 'status' | 'attemptKey' | 'stripeId'>>;

/** The order's payments that match `where`; but `except` (a payment the caller holds already, not read again). */
export function paymentsOf(orderId: string, where: PaymentWhere = {}, except?: PaymentDoc): Promise<PaymentDoc[]> {
  return Payment.find({ orderId, ...where, ...(except ? { _id: { $ne: except._id } } : {}) });
}
