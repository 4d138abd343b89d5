import { OrderStatus, OutboxRelay, Subjects } from '@ticketing/common';
import { InMemoryBus, signin, useTestDatabase } from '@ticketing/common/testing';
import request from 'supertest';
import { Payment, PaymentStatus } from '../data/payment';
import { testApp } from '../test/app';
import { createOrder, createSucceededPayment } from '../test/orders';
import { apiError, cardDeclined, invalidRequest, requireStripeMock, testStripe } from '../test/stripe';
import { attemptKeyFor } from './charges';
import { reconcile, settleStaleAttempts, STALE_ATTEMPT_MS } from './reconciliation';
import { retryDueRefunds } from './refunds';

useTestDatabase();
requireStripeMock();

const { stripe, http } = testStripe();
const bus = new InMemoryBus();
const relay = new OutboxRelay(bus, [Payment]);

beforeEach(() => {
  http.reset();
  bus.clear();
});

/** What a request that died after claiming its attempt leaves behind. */
async function lostAttempt(orderAttrs: Parameters<typeof createOrder>[0] = {}, ageMs = STALE_ATTEMPT_MS + 1000) {
  const order = await createOrder(orderAttrs);
  const attempt = Payment.build({
    orderId: order.id,
    attemptKey: attemptKeyFor(order.id, 0),
    amount: 2000,
    status: PaymentStatus.Pending,
    token: 'tok_visa',
  });
  await attempt.save();
  const createdAt = new Date(Date.now() - ageMs);
  await Payment.collection.updateOne({ _id: attempt._id }, { $set: { createdAt } });
  return { order, attempt };
}

const charges = () => http.to('POST', '/v1/payment_intents');

describe('settleStaleAttempts', () => {
  it('replays a lost attempt under its own key and parameters and records the charge with its event', async () => {
    const { order, attempt } = await lostAttempt();
    expect(await settleStaleAttempts(stripe)).toBe(1);

    expect(charges()).toHaveLength(1);
    expect(charges()[0].headers['idempotency-key']).toBe(`payment-${order.id}-0`);
    expect(Object.fromEntries(charges()[0].params)).toMatchObject({ amount: '2000', currency: 'usd', confirm: 'true' });
    expect(http.to('POST', '/v1/payment_methods').map((r) => [r.params.get('card[token]'), r.headers['idempotency-key']])).toEqual([
      ['tok_visa', `payment-${order.id}-0-payment-method`],
    ]);

    const payment = await Payment.findById(attempt.id);
    expect(payment).toMatchObject({ status: PaymentStatus.Succeeded, stripeId: expect.stringMatching(/^pi_/) });
    expect(payment!.token).toBeUndefined();
    await relay.flush();
    expect(bus.publishedData(Subjects.PaymentCreated)).toEqual([{ id: attempt.id, orderId: order.id, stripeId: payment!.stripeId }]);
  });

  it('records a replayed decline as failed, which frees the next key', async () => {
    const { attempt } = await lostAttempt();
    http.answer('POST', '/v1/payment_intents', 402, cardDeclined());
    await settleStaleAttempts(stripe);
    expect(await Payment.findById(attempt.id)).toMatchObject({ status: PaymentStatus.Failed, failureMessage: 'Your card was declined.' });
    await relay.flush();
    expect(bus.published).toHaveLength(0);
  });

  it('leaves attempts that may still be in flight alone', async () => {
    const { attempt } = await lostAttempt({}, 1000);
    expect(await settleStaleAttempts(stripe)).toBe(0);
    expect(http.requests).toHaveLength(0);
    expect(await Payment.findById(attempt.id)).toMatchObject({ status: PaymentStatus.Pending });
  });

  it('keeps the attempt pending while Stripe still fails', async () => {
    const { attempt } = await lostAttempt();
    http.answer('POST', '/v1/payment_intents', 503, apiError());
    expect(await settleStaleAttempts(stripe)).toBe(0);
    expect(await Payment.findById(attempt.id)).toMatchObject({ status: PaymentStatus.Pending, token: 'tok_visa' });
  });

  it('refunds a replayed charge whose order was cancelled meanwhile', async () => {
    const { attempt } = await lostAttempt({ status: OrderStatus.Cancelled, version: 1 });
    await settleStaleAttempts(stripe);
    const payment = await Payment.findById(attempt.id);
    expect(payment).toMatchObject({ status: PaymentStatus.Refunded, stripeRefundId: expect.stringMatching(/^re_/) });
    expect(http.to('POST', '/v1/refunds')[0].headers['idempotency-key']).toBe(`refund-${payment!.stripeId}`);
  });
});

describe('reconcile after POST /api/payments lost its answer from Stripe', () => {
  it('settles the attempt once it is stale; the buyer’s retry then finds the order paid', async () => {
    const order = await createOrder();
    const cookie = signin({ id: order.userId });
    const app = testApp(stripe);
    http.answer('POST', '/v1/payment_intents', 500, apiError());
    await request(app).post('/api/payments').set('Cookie', cookie).send({ token: 'tok_visa', orderId: order.id }).expect(500);

    await Payment.collection.updateMany({}, { $set: { createdAt: new Date(Date.now() - STALE_ATTEMPT_MS - 1000) } });
    expect(await reconcile(stripe)).toEqual({ settled: 1, refunded: 0 });
    const res = await request(app).post('/api/payments').set('Cookie', cookie).send({ token: 'tok_visa', orderId: order.id }).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Order has already been paid' }] });

    // Two requests reached Stripe for this order, under one key: one charge.
    expect(charges().map((r) => r.headers['idempotency-key'])).toEqual([`payment-${order.id}-0`, `payment-${order.id}-0`]);
    expect(await Payment.find({ orderId: order.id }).then((ps) => ps.map((p) => p.status))).toEqual([PaymentStatus.Succeeded]);
  });
});

describe('retryDueRefunds', () => {
  it('takes the refunds that are due and records them', async () => {
    const order = await createOrder({ status: OrderStatus.Cancelled, version: 1 });
    const payment = await createSucceededPayment(order.id);
    await Payment.updateOne({ _id: payment._id }, { $set: { refundDue: true } });
    const untouched = await createSucceededPayment((await createOrder()).id);

    expect(await retryDueRefunds(stripe)).toBe(1);
    expect(await Payment.findById(payment.id)).toMatchObject({ status: PaymentStatus.Refunded, stripeRefundId: expect.stringMatching(/^re_/) });
    expect(await Payment.findById(untouched.id)).toMatchObject({ status: PaymentStatus.Succeeded });
  });

  it('records the refund Stripe already holds when the charge was refunded before', async () => {
    const order = await createOrder({ status: OrderStatus.Cancelled, version: 1 });
    const payment = await createSucceededPayment(order.id);
    await Payment.updateOne({ _id: payment._id }, { $set: { refundDue: true } });
    http.answer('POST', '/v1/refunds', 400, invalidRequest(`Charge ${payment.stripeId} has already been refunded.`, { code: 'charge_already_refunded' }));

    expect(await retryDueRefunds(stripe)).toBe(1);
    const listed = http.to('GET', '/v1/refunds');
    expect(listed).toHaveLength(1);
    expect(listed[0].query.get('payment_intent')).toBe(payment.stripeId);
    expect(await Payment.findById(payment.id)).toMatchObject({ status: PaymentStatus.Refunded, stripeRefundId: expect.stringMatching(/^re_/) });
  });
});
