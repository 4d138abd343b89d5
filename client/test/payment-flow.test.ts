import { payWithPaymentElement, returnedPaymentIntent } from '../lib/payment-flow';

describe('payWithPaymentElement', () => {
  it('reports the PaymentIntent Stripe.js confirmed and is paid on a 201', async () => {
    const report = jest.fn().mockResolvedValue({ id: 'pay1' });
    const outcome = await payWithPaymentElement({ confirm: async () => ({ paymentIntentId: 'pi_123', status: 'succeeded' }), report });
    expect(report).toHaveBeenCalledWith('pi_123');
    expect(outcome).toEqual({ kind: 'paid', paymentId: 'pay1' });
  });

  it('says processing on a 202', async () => {
    const outcome = await payWithPaymentElement({
      confirm: async () => ({ paymentIntentId: 'pi_123', status: 'processing' }),
      report: async () => ({ id: 'pay1', status: 'processing' }),
    });
    expect(outcome).toEqual({ kind: 'processing', paymentId: 'pay1' });
  });

  it('reports nothing when Stripe.js refused (a decline, an incomplete card) or threw', async () => {
    const report = jest.fn();
    expect(await payWithPaymentElement({ confirm: async () => ({ error: 'Your card was declined.' }), report })).toEqual({
      kind: 'card-error',
      message: 'Your card was declined.',
    });
    expect(await payWithPaymentElement({ confirm: async () => Promise.reject(new Error('network down')), report })).toEqual({
      kind: 'card-error',
      message: 'network down',
    });
    expect(await payWithPaymentElement({ confirm: async () => ({}), report })).toEqual({ kind: 'card-error', message: 'Your payment could not be completed.' });
    expect(report).not.toHaveBeenCalled();
  });

  it('leaves a failed report to the page (its errors are shown there)', async () => {
    expect(await payWithPaymentElement({ confirm: async () => ({ paymentIntentId: 'pi_1' }), report: async () => null })).toEqual({ kind: 'report-failed' });
  });
});

describe('returnedPaymentIntent', () => {
  it('takes the PaymentIntent of a redirect back from Stripe', () => {
    expect(returnedPaymentIntent({ payment_intent: 'pi_3Abc', redirect_status: 'succeeded', payment_intent_client_secret: 'x' })).toBe('pi_3Abc');
    expect(returnedPaymentIntent({ payment_intent: ['pi_3Abc', 'pi_x'], redirect_status: 'processing' })).toBe('pi_3Abc');
  });

  it('ignores a failed redirect, a missing status and anything that is not a PaymentIntent id', () => {
    expect(returnedPaymentIntent({ payment_intent: 'pi_3Abc', redirect_status: 'failed' })).toBeNull();
    expect(returnedPaymentIntent({ payment_intent: 'pi_3Abc' })).toBeNull();
    expect(returnedPaymentIntent({ payment_intent: 'ch_1', redirect_status: 'succeeded' })).toBeNull();
    expect(returnedPaymentIntent({ payment_intent: 'pi_<script>', redirect_status: 'succeeded' })).toBeNull();
    expect(returnedPaymentIntent({})).toBeNull();
  });
});
