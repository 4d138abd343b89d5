import { logger, OrderStatus, OutboxRelay, Subjects } from '@ticketing/common';
import { InMemoryBus, newId, recordAuditEvents, signin, useTestDatabase } from '@ticketing/common/testing';
import Stripe from 'stripe';
import request from 'supertest';
import { Payment, PaymentStatus } from '../../data/payment';
import { KeptPayment } from '../../data/kept-payment';
import { Order } from '../../data/order';
import { OrderIntent } from '../../data/order-intent';
import { StripeEvent } from '../../data/stripe-event';
import { recordSucceeded } from '../../domain/charges';
import { intentAttemptKey } from '../../domain/webhooks';
import { testApp, TEST_WEBHOOK_SECRET } from '../../test/app';
import { createOrder, createSucceededPayment } from '../../test/orders';
import { requireStripeMock, testStripe } from '../../test/stripe';
import { BAD_SIGNATURE, NOT_CONFIGURED, WEBHOOK_PATH } from './webhook';

useTestDatabase();
requireStripeMock();

const { stripe, http } = testStripe();
const app = testApp(stripe);
const bus = new InMemoryBus();
const relay = new OutboxRelay(bus, [Payment]);

beforeEach(() => {
  http.reset();
  bus.clear();
});

/** A PaymentIntent as stripe-mock returns it, for an order (what the webhook's event carries). */
async function intentFor(orderId: string, extra: Partial<Stripe.PaymentIntent> = {}): Promise<Stripe.PaymentIntent> {
  const intent = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', metadata: { orderId } });
  // stripe-mock keeps no state: the object is its canned one; the fields the event is about are set here.
  return { ...intent, metadata: { orderId }, ...extra };
}

type IntentEventType = 'payment_intent.succeeded' | 'payment_intent.payment_failed';
const eventOf = (type: IntentEventType, intent: Stripe.PaymentIntent, id = `evt_${newId()}`) => ({
  id,
  object: 'event',
  api_version: '2025-11-17.clover',
  created: Math.floor(Date.now() / 1000),
  livemode: false,
  pending_webhooks: 1,
  request: { id: null, idempotency_key: null },
  type,
  data: { object: intent },
});

const succeeded = (intent: Stripe.PaymentIntent, id?: string) => eventOf('payment_intent.succeeded', { ...intent, status: 'succeeded' }, id);
const failed = (intent: Stripe.PaymentIntent, message = 'Your card was declined.', id?: string) =>
  eventOf('payment_intent.payment_failed', {
    ...intent,
    status: 'requires_payment_method',
    last_payment_error: { type: 'card_error', code: 'card_declined', message } as Stripe.PaymentIntent.LastPaymentError,
  }, id);

/** Sends an event as Stripe does: the raw JSON, signed with the endpoint's secret (or the one given). */
function deliver(event: object, { secret = TEST_WEBHOOK_SECRET, payload = JSON.stringify(event), timestamp }: { secret?: string; payload?: string; timestamp?: number } = {}) {
  const header = stripe.webhooks.generateTestHeaderString({ payload: JSON.stringify(event), secret, timestamp });
  return request(app).post(WEBHOOK_PATH).set('Content-Type', 'application/json; charset=utf-8').set('Stripe-Signature', header).send(payload);
}

const published = async (orderId: string) => {
  await relay.flush();
  return bus.publishedData(Subjects.PaymentCreated).filter((e) => e.orderId === orderId);
};

describe('POST /api/payments/webhook', () => {
  describe('payment_intent.succeeded', () => {
    it('records a PaymentIntent confirmed in the browser and publishes payment:created', async () => {
      const order = await createOrder({ price: 20 });
      const intent = await intentFor(order.id);
      const res = await deliver(succeeded(intent)).expect(200);
      expect(res.body).toEqual({ received: true, outcome: 'recorded' });

      const payments = await Payment.find({ orderId: order.id });
      expect(payments.map((p) => p.toJSON())).toEqual([
        expect.objectContaining({ orderId: order.id, stripeId: intent.id, amount: 2000, status: PaymentStatus.Succeeded, attemptKey: intentAttemptKey(intent.id) }),
      ]);
      expect(await published(order.id)).toEqual([{ id: payments[0].id, orderId: order.id, stripeId: intent.id }]);
    });

    it('handles a replayed event once', async () => {
      const order = await createOrder();
      const event = succeeded(await intentFor(order.id));
      await deliver(event).expect(200);
      const again = await deliver(event).expect(200);
      expect(again.body).toEqual({ received: true, outcome: 'duplicate' });
      expect(await Payment.countDocuments({ orderId: order.id })).toBe(1);
      expect(await published(order.id)).toHaveLength(1);
      expect(await StripeEvent.countDocuments({ _id: event.id })).toBe(1);
    });

    it('records one payment when the same success comes in several events at once', async () => {
      const order = await createOrder();
      const intent = await intentFor(order.id);
      const answers = await Promise.all(Array.from({ length: 6 }, () => deliver(succeeded(intent))));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect((await Payment.find({ orderId: order.id })).map((p) => p.status)).toEqual([PaymentStatus.Succeeded]);
      expect(await published(order.id)).toHaveLength(1);
    });

    it('completes the route’s attempt that was waiting for 3-D Secure, found by the attempt key in the metadata', async () => {
      const order = await createOrder();
      const cookie = signin({ id: order.userId });
      const intent = await intentFor(order.id);
      http.answer('POST', '/v1/payment_intents', 200, { ...intent, status: 'requires_action', next_action: { type: 'use_stripe_sdk' } });
      const started = await request(app).post('/api/payments').set('Cookie', cookie).send({ token: 'pm_card_threeDSecure2Required', orderId: order.id }).expect(202);
      expect(started.body).toEqual({ id: expect.any(String), status: 'requires_action', clientSecret: intent.client_secret });
      expect(await Payment.findById(started.body.id)).toMatchObject({ status: PaymentStatus.Pending, stripeId: intent.id });
      expect(await published(order.id)).toEqual([]);

      const sent = http.to('POST', '/v1/payment_intents')[0];
      await deliver(succeeded({ ...intent, metadata: { orderId: order.id, attemptKey: sent.params.get('metadata[attemptKey]')! } })).expect(200);
      expect((await Payment.find({ orderId: order.id })).map((p) => [p.id, p.status])).toEqual([[started.body.id, PaymentStatus.Succeeded]]);
      expect(await published(order.id)).toEqual([{ id: started.body.id, orderId: order.id, stripeId: intent.id }]);
      // Paid now: the route says so.
      const again = await request(app).post('/api/payments').set('Cookie', cookie).send({ token: 'tok_visa', orderId: order.id }).expect(400);
      expect(again.body).toEqual({ errors: [{ message: 'Order has already been paid' }] });
    });

    it('changes nothing for a payment the route recorded already (one payment:created)', async () => {
      const order = await createOrder();
      const cookie = signin({ id: order.userId });
      const paid = await request(app).post('/api/payments').set('Cookie', cookie).send({ token: 'tok_visa', orderId: order.id }).expect(201);
      const payment = (await Payment.findById(paid.body.id))!;
      const intent = await intentFor(order.id, { id: payment.stripeId! });
      await deliver(succeeded({ ...intent, metadata: { orderId: order.id, attemptKey: payment.attemptKey } })).expect(200);
      expect(await Payment.countDocuments({ orderId: order.id })).toBe(1);
      expect(await published(order.id)).toHaveLength(1);
    });

    it('refunds a payment for an order that was cancelled, through refunds.create({ payment_intent })', async () => {
      const order = await createOrder({ status: OrderStatus.Cancelled, version: 1 });
      const intent = await intentFor(order.id);
      await deliver(succeeded(intent)).expect(200);
      const payment = await Payment.findOne({ orderId: order.id });
      expect(payment).toMatchObject({ status: PaymentStatus.Refunded, stripeId: intent.id, stripeRefundId: expect.stringMatching(/^re_/) });
      const refunds = http.to('POST', '/v1/refunds');
      expect(refunds.map((r) => [r.params.get('payment_intent'), r.params.get('charge'), r.headers['idempotency-key']])).toEqual([
        [intent.id, null, `refund-${intent.id}`],
      ]);
    });

    it('keeps one of two PaymentIntents that both succeeded for one order and refunds the other', async () => {
      const order = await createOrder();
      const first = await intentFor(order.id);
      const second = await intentFor(order.id);
      await Promise.all([deliver(succeeded(first)), deliver(succeeded(second))]);
      const payments = await Payment.find({ orderId: order.id });
      expect(payments.map((p) => p.status).sort()).toEqual([PaymentStatus.Refunded, PaymentStatus.Succeeded]);
      const kept = payments.find((p) => p.status === PaymentStatus.Succeeded)!;
      const refunded = payments.find((p) => p.status === PaymentStatus.Refunded)!;
      expect(await KeptPayment.findById(order.id).lean()).toMatchObject({ paymentId: kept.id });
      // Both recorders may refund the loser: under one idempotency key, so Stripe refunds it once.
      const sent = http.to('POST', '/v1/refunds');
      expect(new Set(sent.map((r) => [r.params.get('payment_intent'), r.headers['idempotency-key']].join(' ')))).toEqual(
        new Set([`${refunded.stripeId} refund-${refunded.stripeId}`]),
      );
    });

    it('keeps exactly one payment per order under concurrent successes (8 orders, 3 PaymentIntents each)', async () => {
      const orders = await Promise.all(Array.from({ length: 8 }, () => createOrder()));
      const intents = await Promise.all(orders.flatMap((order) => [0, 1, 2].map(() => intentFor(order.id))));
      const answers = await Promise.all(intents.map((intent) => deliver(succeeded(intent))));
      expect(answers.every((r) => r.status === 200)).toBe(true);
      for (const order of orders) {
        const payments = await Payment.find({ orderId: order.id });
        expect(payments.map((p) => p.status).sort()).toEqual([PaymentStatus.Refunded, PaymentStatus.Refunded, PaymentStatus.Succeeded]);
        expect((await KeptPayment.findById(order.id).lean())!.paymentId).toBe(payments.find((p) => p.status === PaymentStatus.Succeeded)!.id);
      }
    });

    it('a success recorded while another one was still pending: the later recorder does not keep both', async () => {
      // The interleaving that kept two payments under "the earliest-created one wins": B is recorded
      // (it sees only itself: A is still pending), then A (older) is recorded and sees both.
      const order = await createOrder();
      const [intentA, intentB] = [await intentFor(order.id), await intentFor(order.id)];
      const pending = (intent: Stripe.PaymentIntent) =>
        Payment.build({ orderId: order.id, attemptKey: intentAttemptKey(intent.id), stripeId: intent.id, amount: 2000, status: PaymentStatus.Pending }).save();
      const a = await pending(intentA);
      const b = await pending(intentB);
      expect(await recordSucceeded(stripe, b, { ...intentB, status: 'succeeded' })).toEqual({ payment: expect.objectContaining({ status: PaymentStatus.Succeeded }) });
      const second = await recordSucceeded(stripe, a, { ...intentA, status: 'succeeded' });
      expect(second.refundedAsDuplicate).toBe(true);
      expect((await Payment.findById(a.id))!.status).toBe(PaymentStatus.Refunded);
      expect((await Payment.findById(b.id))!.status).toBe(PaymentStatus.Succeeded);
    });

    it('refunds a success whose recorder stopped before it claimed the order (a crash), when another one is kept', async () => {
      const order = await createOrder();
      const orphan = await createSucceededPayment(order.id);
      const intent = await intentFor(order.id);
      await deliver(succeeded(intent)).expect(200);
      expect((await Payment.findById(orphan.id))!.status).toBe(PaymentStatus.Refunded);
      expect(await Payment.findOne({ stripeId: intent.id })).toMatchObject({ status: PaymentStatus.Succeeded });
    });

    it('leaves an audit event per change it records (a decline, then the charge), none for a replay', async () => {
      const audit = recordAuditEvents();
      try {
        const order = await createOrder();
        const intent = await intentFor(order.id);
        const success = succeeded(intent);
        await deliver(failed(intent)).expect(200);
        await deliver(success).expect(200);
        await deliver(success).expect(200);
        const payment = (await Payment.findOne({ orderId: order.id }))!;
        expect(audit.events()).toEqual([
          { audit: 'payment.declined', orderId: order.id, paymentId: payment.id, paymentIntent: intent.id, via: 'webhook' },
          { audit: 'payment.charged', orderId: order.id, paymentId: payment.id, paymentIntent: intent.id, via: 'webhook' },
        ]);
      } finally {
        audit.restore();
      }
    });

    it('acknowledges and logs an event for an order it does not know, recording nothing', async () => {
      const warn = jest.spyOn(logger, 'warn');
      try {
        const orderId = newId();
        const intent = await intentFor(orderId);
        const res = await deliver(succeeded(intent)).expect(200);
        expect(res.body).toEqual({ received: true, outcome: 'unknown-order' });
        expect(await Payment.countDocuments()).toBe(0);
        expect(warn).toHaveBeenCalledWith(expect.objectContaining({ orderId, paymentIntent: intent.id }), expect.stringContaining('unknown order'));
      } finally {
        warn.mockRestore();
      }
    });
  });

  describe('payment_intent.payment_failed', () => {
    it('records the decline with the issuer’s message and publishes nothing', async () => {
      const order = await createOrder();
      const intent = await intentFor(order.id);
      await deliver(failed(intent, 'Your card has insufficient funds.')).expect(200);
      expect(await Payment.findOne({ orderId: order.id })).toMatchObject({
        status: PaymentStatus.Failed,
        stripeId: intent.id,
        failureMessage: 'Your card has insufficient funds.',
      });
      expect(await published(order.id)).toEqual([]);
    });

    it('out of order: a decline that arrives after the success leaves the payment succeeded', async () => {
      const order = await createOrder();
      const intent = await intentFor(order.id);
      await deliver(succeeded(intent)).expect(200);
      await deliver(failed(intent)).expect(200);
      expect((await Payment.find({ orderId: order.id })).map((p) => p.status)).toEqual([PaymentStatus.Succeeded]);
      expect(await published(order.id)).toHaveLength(1);
    });

    it('a success after a decline of the same PaymentIntent (another card in the browser) is recorded', async () => {
      const order = await createOrder();
      const intent = await intentFor(order.id);
      await deliver(failed(intent)).expect(200);
      await deliver(succeeded(intent)).expect(200);
      const payments = await Payment.find({ orderId: order.id });
      expect(payments.map((p) => [p.status, p.failureMessage])).toEqual([[PaymentStatus.Succeeded, undefined]]);
      expect(await published(order.id)).toHaveLength(1);
    });
  });

  describe('signatures', () => {
    it('answers 400 to an event signed with another secret (forged) and records nothing', async () => {
      const order = await createOrder();
      const res = await deliver(succeeded(await intentFor(order.id)), { secret: 'whsec_someoneElse' }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: BAD_SIGNATURE }] });
      expect(await Payment.countDocuments()).toBe(0);
      expect(await StripeEvent.countDocuments()).toBe(0);
    });

    it('answers 400 to a body changed after signing', async () => {
      const order = await createOrder();
      const event = succeeded(await intentFor(order.id));
      const tampered = JSON.stringify({ ...event, data: { object: { ...event.data.object, amount: 1 } } });
      await deliver(event, { payload: tampered }).expect(400);
      expect(await Payment.countDocuments()).toBe(0);
    });

    it('answers 400 to a replay of a signature older than the tolerance (5 minutes)', async () => {
      const order = await createOrder();
      await deliver(succeeded(await intentFor(order.id)), { timestamp: Math.floor(Date.now() / 1000) - 600 }).expect(400);
      expect(await Payment.countDocuments()).toBe(0);
    });

    it('answers 400 without a Stripe-Signature header, and to a body that is not an event', async () => {
      const res = await request(app).post(WEBHOOK_PATH).set('Content-Type', 'application/json').send('{"id":"evt_1"}').expect(400);
      expect(res.body).toEqual({ errors: [{ message: BAD_SIGNATURE }] });
      await request(app).post(WEBHOOK_PATH).set('Stripe-Signature', 't=1,v1=00').send('not json').expect(400);
    });

    it('acknowledges event types it does not handle', async () => {
      const order = await createOrder();
      const event = { ...succeeded(await intentFor(order.id)), type: 'payment_intent.created' };
      const res = await deliver(event).expect(200);
      expect(res.body).toEqual({ received: true, outcome: 'ignored' });
      expect(await Payment.countDocuments()).toBe(0);
    });

    it('answers 503 when no signing secret is configured', async () => {
      const unconfigured = testApp(stripe, undefined, { webhookSecret: undefined });
      const order = await createOrder();
      const event = succeeded(await intentFor(order.id));
      const header = stripe.webhooks.generateTestHeaderString({ payload: JSON.stringify(event), secret: TEST_WEBHOOK_SECRET });
      const res = await request(unconfigured).post(WEBHOOK_PATH).set('Stripe-Signature', header).set('Content-Type', 'application/json').send(JSON.stringify(event)).expect(503);
      expect(res.body).toEqual({ errors: [{ message: NOT_CONFIGURED }] });
    });
  });
});

describe('POST /api/payments/intents', () => {
  const intents = () => http.to('POST', '/v1/payment_intents');

  it('creates a PaymentIntent for the order in cents and answers its client secret', async () => {
    const order = await createOrder({ price: 19.99 });
    const res = await request(app).post('/api/payments/intents').set('Cookie', signin({ id: order.userId })).send({ orderId: order.id }).expect(201);
    expect(res.body).toEqual({ clientSecret: expect.stringMatching(/^pi_.+_secret_/), paymentIntentId: expect.stringMatching(/^pi_/) });
    expect(intents()).toHaveLength(1);
    expect(Object.fromEntries(intents()[0].params)).toMatchObject({
      amount: '1999',
      currency: 'usd',
      'automatic_payment_methods[enabled]': 'true',
      'metadata[orderId]': order.id,
    });
    expect(intents()[0].params.get('confirm')).toBeNull();
    expect(intents()[0].headers['idempotency-key']).toBe(`intent-${order.id}-0`);
    // No payment is recorded until Stripe says how it ended; only whose PaymentIntent it is.
    expect(await Payment.countDocuments()).toBe(0);
    expect(await OrderIntent.findById(res.body.paymentIntentId).lean()).toMatchObject({ orderId: order.id, userId: order.userId, amount: 1999 });
  });

  it('has the payment’s checks: 401, 404, someone else’s order, paid, cancelled, a missing orderId', async () => {
    await request(app).post('/api/payments/intents').send({ orderId: newId() }).expect(401);
    const missing = await request(app).post('/api/payments/intents').set('Cookie', signin()).send({}).expect(400);
    expect(missing.body).toEqual({ errors: [{ message: 'OrderId must be provided', field: 'orderId' }] });
    const order = await createOrder();
    await request(app).post('/api/payments/intents').set('Cookie', signin()).send({ orderId: order.id }).expect(401);
    const cancelled = await createOrder({ status: OrderStatus.Cancelled, version: 1 });
    const res = await request(app).post('/api/payments/intents').set('Cookie', signin({ id: cancelled.userId })).send({ orderId: cancelled.id }).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Cannot pay for a cancelled order' }] });
    expect(intents()).toHaveLength(0);
  }, 10000);
});

describe('POST /api/payments/intents/confirmed (the buyer’s page reports a PaymentIntent it confirmed)', () => {
  const CONFIRMED = '/api/payments/intents/confirmed';
  const retrievals = () => http.to('GET', /^\/v1\/payment_intents\/pi_/);

  /** An order, its buyer's cookie, and a PaymentIntent the intents route created for it. */
  async function openIntent(attrs: Parameters<typeof createOrder>[0] = {}) {
    const order = await createOrder(attrs);
    const cookie = signin({ id: order.userId });
    const res = await request(app).post('/api/payments/intents').set('Cookie', cookie).send({ orderId: order.id }).expect(201);
    http.reset();
    return { order, cookie, paymentIntentId: res.body.paymentIntentId as string };
  }

  /** Stripe's PaymentIntent as GET /v1/payment_intents/:id answers, with the given status. */
  const answerRetrieve = async (orderId: string, fields: Partial<Stripe.PaymentIntent>) =>
    http.answer('GET', /^\/v1\/payment_intents\/pi_/, 200, { ...(await intentFor(orderId)), ...fields });

  it('reads the PaymentIntent back from Stripe, records it (201) and publishes payment:created once, with the webhook after it', async () => {
    const { order, cookie, paymentIntentId } = await openIntent();
    const res = await request(app).post(CONFIRMED).set('Cookie', cookie).send({ orderId: order.id, paymentIntentId }).expect(201);
    expect(res.body).toEqual({ id: expect.any(String) });
    expect(retrievals().map((r) => r.path)).toEqual([`/v1/payment_intents/${paymentIntentId}`]);
    expect(await Payment.findById(res.body.id)).toMatchObject({ orderId: order.id, stripeId: paymentIntentId, status: PaymentStatus.Succeeded });

    const intent = await intentFor(order.id, { id: paymentIntentId });
    await deliver(succeeded(intent)).expect(200);
    await request(app).post(CONFIRMED).set('Cookie', cookie).send({ orderId: order.id, paymentIntentId }).expect(201);
    expect(await Payment.countDocuments({ orderId: order.id })).toBe(1);
    expect(await published(order.id)).toEqual([{ id: res.body.id, orderId: order.id, stripeId: paymentIntentId }]);
  });

  it('answers 402 with the issuer’s message for a declined PaymentIntent, and records the decline', async () => {
    const { order, cookie, paymentIntentId } = await openIntent();
    await answerRetrieve(order.id, {
      status: 'requires_payment_method',
      last_payment_error: { type: 'card_error', code: 'card_declined', message: 'Your card has insufficient funds.' } as Stripe.PaymentIntent.LastPaymentError,
    });
    const res = await request(app).post(CONFIRMED).set('Cookie', cookie).send({ orderId: order.id, paymentIntentId }).expect(402);
    expect(res.body).toEqual({ errors: [{ message: 'Your card has insufficient funds.' }] });
    expect(await Payment.findOne({ orderId: order.id })).toMatchObject({ status: PaymentStatus.Failed, stripeId: paymentIntentId });
    expect(await published(order.id)).toEqual([]);
  });

  it('answers 202 for a PaymentIntent still processing; the payment stays pending for the webhook', async () => {
    const { order, cookie, paymentIntentId } = await openIntent();
    await answerRetrieve(order.id, { status: 'processing' });
    const res = await request(app).post(CONFIRMED).set('Cookie', cookie).send({ orderId: order.id, paymentIntentId }).expect(202);
    expect(res.body).toEqual({ id: expect.any(String), status: 'processing' });
    expect(await Payment.findById(res.body.id)).toMatchObject({ status: PaymentStatus.Pending, stripeId: paymentIntentId });
  });

  it('refunds a success for an order cancelled meanwhile and answers 400', async () => {
    const { order, cookie, paymentIntentId } = await openIntent();
    await Order.updateOne({ _id: order.id }, { $set: { status: OrderStatus.Cancelled, version: 1 } });
    const res = await request(app).post(CONFIRMED).set('Cookie', cookie).send({ orderId: order.id, paymentIntentId }).expect(400);
    expect(res.body.errors[0].message).toBe('Cannot pay for a cancelled order');
    expect(await Payment.findOne({ orderId: order.id })).toMatchObject({ status: PaymentStatus.Refunded });
    expect(http.to('POST', '/v1/refunds').map((r) => r.params.get('payment_intent'))).toContain(paymentIntentId);
  });

  it('takes only a PaymentIntent created for this order and buyer: 401, 400s, 404', async () => {
    const { order, cookie, paymentIntentId } = await openIntent();
    const other = await openIntent();
    await request(app).post(CONFIRMED).send({ orderId: order.id, paymentIntentId }).expect(401);
    const missing = await request(app).post(CONFIRMED).set('Cookie', cookie).send({ orderId: order.id }).expect(400);
    expect(missing.body).toEqual({ errors: [{ message: 'PaymentIntentId must be provided', field: 'paymentIntentId' }] });
    await request(app).post(CONFIRMED).set('Cookie', cookie).send({ orderId: newId(), paymentIntentId }).expect(404);
    await request(app).post(CONFIRMED).set('Cookie', signin()).send({ orderId: order.id, paymentIntentId }).expect(401);
    const foreign = await request(app).post(CONFIRMED).set('Cookie', cookie).send({ orderId: order.id, paymentIntentId: other.paymentIntentId }).expect(400);
    expect(foreign.body).toEqual({ errors: [{ message: 'Unknown payment for this order' }] });
    const made = await request(app).post(CONFIRMED).set('Cookie', cookie).send({ orderId: order.id, paymentIntentId: 'pi_neverCreatedHere' }).expect(400);
    expect(made.body.errors[0].message).toBe('Unknown payment for this order');
    expect(retrievals()).toHaveLength(0);
    expect(await Payment.countDocuments({ orderId: { $in: [order.id, other.order.id] } })).toBe(0);
  }, 15000);
});
