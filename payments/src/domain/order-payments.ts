import { Payment, PaymentDoc } from '../data/payment';

/** What a lookup of an order's payments may ask about each one. */
export type PaymentWhere = Partial<Pick<PaymentDoc, 'status' | 'attemptKey' | 'stripeId'>>;

/** The order's payments that match `where`. */
export function paymentsOf(orderId: string, where: PaymentWhere = {}): Promise<PaymentDoc[]> {
  return Payment.find({ orderId, ...where });
}
