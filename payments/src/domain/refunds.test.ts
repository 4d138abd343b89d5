import { recordAuditEvents, useTestDatabase } from '@ticketing/common/testing';
import { Payment, PaymentStatus } from '../data/payment';
import { createOrder, createSucceededPayment } from '../test/orders';
import { requireStripeMock, testStripe } from '../test/stripe';
import { refundPayment } from './refunds';

useTestDatabase();
requireStripeMock();

const { stripe, http } = testStripe();

describe('refundPayment', () => {
  it('refunds once and records (and audits) it once when two refunders race', async () => {
    const audit = recordAuditEvents();
    try {
      const order = await createOrder();
      const payment = await createSucceededPayment(order.id);
      await Promise.all([refundPayment(stripe, payment), refundPayment(stripe, payment), refundPayment(stripe, payment)]);
      const stored = (await Payment.findById(payment.id))!;
      expect(stored).toMatchObject({ status: PaymentStatus.Refunded, stripeRefundId: expect.stringMatching(/^re_/) });
      // Every refunder that passed the check sent the same key: Stripe refunds once.
      expect(new Set(http.to('POST', '/v1/refunds').map((r) => r.headers['idempotency-key']))).toEqual(new Set([`refund-${payment.stripeId}`]));
      expect(audit.events()).toEqual([{ audit: 'payment.refunded', paymentId: payment.id, orderId: order.id, refundId: stored.stripeRefundId }]);
    } finally {
      audit.restore();
    }
  });
});
