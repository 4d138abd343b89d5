import { OrderStatus, OutboxRelay, Subjects } from '@ticketing/common';
import { InMemoryBus, listenTo, newId, signin, useTestDatabase, waitFor } from '@ticketing/common/testing';
import request from 'supertest';
import { Order } from '../../data/order';
import { Payment, PaymentStatus } from '../../data/payment';
import { ALREADY_PAID, STILL_PROCESSING } from '../../domain/charges';
import { testApp } from '../../test/app';
import { createOrder, createSucceededPayment } from '../../test/orders';
import { apiError, cardDeclined, invalidRequest, requireStripeMock, testStripe } from '../../test/stripe';
import * as orderPayments from '../../domain/order-payments';
import { listenersOf } from '../listeners';

useTestDatabase();
requireStripeMock();

const { stripe, http } = testStripe();
const app = testApp(stripe);
const bus = new InMemoryBus();
const relay = new OutboxRelay(bus, [Payment]);

beforeAll(async () => {
  await listenTo(listenersOf(bus, stripe), Subjects.OrderCancelled);
});

beforeEach(() => {
  http.reset();
  bus.clear();
});

const pay = (cookie: string[] | undefined, body: object) => {
  const req = request(app).post('/api/payments');
  if (cookie) req.set('Cookie', cookie);
  return req.send(body);
};

/** An order the signed-in buyer may pay, and the buyer's cookie. */
async function payableOrder(attrs: Parameters<typeof createOrder>[0] = {}) {
  const userId = newId();
  const order = await createOrder({ userId, ...attrs });
  return { order, orderId: order.id as string, cookie: signin({ id: userId }) };
}

const charges = () => http.to('POST', '/v1/payment_intents');
const paymentMethods = () => http.to('POST', '/v1/payment_methods');
/** The card token each PaymentIntent was confirmed with, through the PaymentMethod made from it. */
const tokensSent = () => paymentMethods().map((r) => r.params.get('card[token]'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const past = () => new Date(Date.now() - 60 * 1000);
const refunds = () => http.to('POST', '/v1/refunds');


/** A declined first card under key -0, then a paid second one under key -1, published once. */
async function expectDeclinedThenPaid(orderId: string, paymentId: string | undefined) {
  expect(charges().map((r) => r.headers['idempotency-key'])).toEqual([`payment-${orderId}-0`, `payment-${orderId}-1`]);
  expect(tokensSent()).toEqual(['tok_chargeDeclined', 'tok_mastercard']);
  const statuses = (await Payment.find({ orderId }).sort({ createdAt: 1 })).map((p) => p.status);
  expect(statuses).toEqual([PaymentStatus.Failed, PaymentStatus.Succeeded]);
  await relay.flush();
  expect(bus.publishedData(Subjects.PaymentCreated)).toEqual([{ id: paymentId, orderId, stripeId: expect.stringMatching(/^pi_/) }]);
}

describe('POST /api/payments', () => {
  describe('request checks', () => {
    it('answers 401 when signed out', async () => {
      const res = await pay(undefined, { token: 'tok_visa', orderId: newId() }).expect(401);
      expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
    });

    it('requires token and orderId, one error per field', async () => {
      const res = await pay(signin(), {}).expect(400);
      expect(res.body).toEqual({
        errors: [
          { message: 'Token must be provided', field: 'token' },
          { message: 'OrderId must be provided', field: 'orderId' },
        ],
      });
    });

    it('rejects an empty token', async () => {
      const res = await pay(signin(), { token: '  ', orderId: newId() }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Token must be provided', field: 'token' }] });
    });

    it('answers a malformed orderId in the body with 400 on the field', async () => {
      const res = await pay(signin(), { token: 'tok_visa', orderId: 'not-an-id' }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'OrderId must be provided', field: 'orderId' }] });
    });

    it('waits briefly for an order whose order:created is still on its way', async () => {
      const userId = newId();
      const id = newId();
      // The replica gets the order 200 ms after the service first looked for it.
      const findById = Order.findById.bind(Order);
      const lookup = jest.spyOn(Order, 'findById').mockImplementationOnce(((...args: Parameters<typeof findById>) => {
        setTimeout(() => void createOrder({ id, userId }), 200);
        return findById(...args);
      }) as typeof Order.findById);
      try {
        await pay(signin({ id: userId }), { token: 'tok_visa', orderId: id }).expect(201);
        expect(lookup.mock.calls.length).toBeGreaterThan(1);
      } finally {
        lookup.mockRestore();
      }
    });

    it('answers 404 for an order it does not know', async () => {
      const res = await pay(signin(), { token: 'tok_visa', orderId: newId() }).expect(404);
      expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
      expect(http.requests).toHaveLength(0);
    });

    it('answers 401 when the order is someone else’s, and charges nothing', async () => {
      const { orderId } = await payableOrder();
      const res = await pay(signin(), { token: 'tok_visa', orderId }).expect(401);
      expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
      expect(http.requests).toHaveLength(0);
    });

    it('refuses an order its buyer cancelled before it expired', async () => {
      const { orderId, cookie } = await payableOrder({ status: OrderStatus.Cancelled, version: 1 });
      const res = await pay(cookie, { token: 'tok_visa', orderId }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Cannot pay for a cancelled order' }] });
      expect(http.requests).toHaveLength(0);
    });

    it('answers Order has expired for an order expiration cancelled (status cancelled, expiresAt past)', async () => {
      const { orderId, cookie } = await payableOrder({ status: OrderStatus.Cancelled, version: 1, expiresAt: past() });
      const res = await pay(cookie, { token: 'tok_visa', orderId }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Order has expired' }] });
      expect(http.requests).toHaveLength(0);
      expect(await Payment.countDocuments()).toBe(0);
    });

    it('answers Order has already been paid before Order has expired', async () => {
      const { orderId, cookie } = await payableOrder({ status: OrderStatus.Cancelled, version: 1, expiresAt: past() });
      await createSucceededPayment(orderId);
      const res = await pay(cookie, { token: 'tok_visa', orderId }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Order has already been paid' }] });
      expect(http.requests).toHaveLength(0);
    });

    it('answers Order has expired for an expired order whose payment was refunded (it was not paid)', async () => {
      const { orderId, cookie } = await payableOrder({ status: OrderStatus.Cancelled, version: 1, expiresAt: past() });
      const payment = await createSucceededPayment(orderId);
      await Payment.updateOne({ _id: payment._id }, { $set: { status: PaymentStatus.Refunded, stripeRefundId: 're_test' } });
      const res = await pay(cookie, { token: 'tok_visa', orderId }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Order has expired' }] });
      expect(http.requests).toHaveLength(0);
    });

    it('refuses an order already paid', async () => {
      const { orderId, cookie } = await payableOrder();
      await createSucceededPayment(orderId);
      const res = await pay(cookie, { token: 'tok_visa', orderId }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Order has already been paid' }] });
      expect(http.requests).toHaveLength(0);
    });

    it('refuses an expired order that is not cancelled yet', async () => {
      const { orderId, cookie } = await payableOrder({ expiresAt: new Date(Date.now() - 1000) });
      const res = await pay(cookie, { token: 'tok_visa', orderId }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Order has expired' }] });
      expect(http.requests).toHaveLength(0);
      expect(await Payment.countDocuments()).toBe(0);
    });
  });

  describe('a successful charge', () => {
    it('charges the price in cents with a key derived from the order, records the payment, publishes payment:created', async () => {
      const { orderId, cookie } = await payableOrder({ price: 19.99 });
      const res = await pay(cookie, { token: 'tok_visa', orderId }).expect(201);
      expect(res.body).toEqual({ id: expect.any(String) });

      // What went to Stripe, read back from the SDK's HTTP client.
      expect(charges()).toHaveLength(1);
      const [sent] = charges();
      expect(sent.headers['idempotency-key']).toBe(`payment-${orderId}-0`);
      expect(sent.headers.authorization).toBe('Bearer sk_test_ticketingPayments');
      expect(Object.fromEntries(sent.params)).toMatchObject({
        amount: '1999',
        currency: 'usd',
        confirm: 'true',
        payment_method: expect.stringMatching(/^pm_/),
        'metadata[orderId]': orderId,
        'metadata[attemptKey]': `payment-${orderId}-0`,
      });
      expect(sent.status).toBe(200);
      // The card token became the PaymentMethod, under a key derived from the attempt's.
      expect(paymentMethods().map((r) => [r.params.get('type'), r.params.get('card[token]'), r.headers['idempotency-key']])).toEqual([
        ['card', 'tok_visa', `payment-${orderId}-0-payment-method`],
      ]);

      const payment = await Payment.findById(res.body.id);
      expect(payment).toMatchObject({ orderId, amount: 1999, status: PaymentStatus.Succeeded, attemptKey: `payment-${orderId}-0` });
      expect(payment!.stripeId).toMatch(/^pi_/);
      expect(payment!.token).toBeUndefined();

      expect(await relay.flush()).toBe(1);
      expect(bus.publishedData(Subjects.PaymentCreated)).toEqual([{ id: res.body.id, orderId, stripeId: payment!.stripeId }]);
    });

    it.each([
      [0.29, '29'],
      [19.99, '1999'],
      [1234.56, '123456'],
      [0.1 + 0.2, '30'],
      [20, '2000'],
    ])('sends the price %p as %s cents', async (price, cents) => {
      const { orderId, cookie } = await payableOrder({ price });
      await pay(cookie, { token: 'tok_visa', orderId }).expect(201);
      expect(charges()[0].params.get('amount')).toBe(cents);
      expect((await Payment.findOne({ orderId }))!.amount).toBe(Number(cents));
    });

    it('does not charge a retried request again once the order is paid', async () => {
      const { orderId, cookie } = await payableOrder();
      await pay(cookie, { token: 'tok_visa', orderId }).expect(201);
      const res = await pay(cookie, { token: 'tok_visa', orderId }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Order has already been paid' }] });
      expect(charges()).toHaveLength(1);
      expect(await relay.flush()).toBe(1);
    });

    it('answers 12 concurrent submissions of one order with one 201 and 11 × Order has already been paid, one charge', async () => {
      const { orderId, cookie } = await payableOrder();
      const results = await Promise.all(Array.from({ length: 12 }, () => pay(cookie, { token: 'tok_visa', orderId })));
      const created = results.filter((r) => r.status === 201);
      expect(created).toHaveLength(1);
      for (const r of results.filter((x) => x.status !== 201)) {
        expect([r.status, r.body]).toEqual([400, { errors: [{ message: 'Order has already been paid' }] }]);
      }
      expect(charges()).toHaveLength(1);
      expect(await Payment.find({ orderId })).toEqual([expect.objectContaining({ status: PaymentStatus.Succeeded })]);
      expect(await relay.flush()).toBe(1);
      expect(bus.publishedData(Subjects.PaymentCreated)).toEqual([{ id: created[0].body.id, orderId, stripeId: expect.stringMatching(/^pi_/) }]);
    });

    it('reuses the idempotency key when the SDK retries after a Stripe error', async () => {
      const retrying = testStripe({ maxNetworkRetries: 1 });
      retrying.http.answer('POST', '/v1/payment_intents', 500, apiError());
      const { orderId, cookie } = await payableOrder();
      await request(testApp(retrying.stripe)).post('/api/payments').set('Cookie', cookie).send({ token: 'tok_visa', orderId }).expect(201);
      const sent = retrying.http.to('POST', '/v1/payment_intents');
      expect(sent.map((r) => r.status)).toEqual([500, 200]);
      expect(sent.map((r) => r.headers['idempotency-key'])).toEqual([`payment-${orderId}-0`, `payment-${orderId}-0`]);
    });
  });

  describe('a declined card', () => {
    it('answers 402 with the issuer’s message, records a failed payment, publishes nothing', async () => {
      const { orderId, cookie } = await payableOrder();
      const declined = cardDeclined();
      http.answer('POST', '/v1/payment_intents', 402, declined);

      const res = await pay(cookie, { token: 'tok_chargeDeclined', orderId }).expect(402);
      expect(res.body).toEqual({ errors: [{ message: 'Your card was declined.' }] });

      expect(charges()[0].headers['idempotency-key']).toBe(`payment-${orderId}-0`);
      const payment = await Payment.findOne({ orderId });
      expect(payment).toMatchObject({
        status: PaymentStatus.Failed,
        stripeId: declined.error.payment_intent.id,
        failureMessage: 'Your card was declined.',
        amount: 2000,
      });
      expect(await relay.flush()).toBe(0);
      expect(bus.published).toHaveLength(0);
    });

    it('passes on the issuer’s own reason', async () => {
      const { orderId, cookie } = await payableOrder();
      http.answer('POST', '/v1/payment_intents', 402, cardDeclined('Your card has insufficient funds.', 'insufficient_funds'));
      const res = await pay(cookie, { token: 'tok_chargeDeclinedInsufficientFunds', orderId }).expect(402);
      expect(res.body).toEqual({ errors: [{ message: 'Your card has insufficient funds.' }] });
    });

    it('leaves the order payable: another card, under the next key, goes through', async () => {
      const { orderId, cookie } = await payableOrder();
      http.answer('POST', '/v1/payment_intents', 402, cardDeclined());
      await pay(cookie, { token: 'tok_chargeDeclined', orderId }).expect(402);

      const res = await pay(cookie, { token: 'tok_mastercard', orderId }).expect(201);
      await expectDeclinedThenPaid(orderId, res.body.id);
    });
  });

  describe('other refusals from Stripe', () => {
    it('answers a token Stripe does not know with 400 and Stripe’s message; the order stays payable', async () => {
      const { orderId, cookie } = await payableOrder();
      http.answer('POST', '/v1/payment_methods', 400, invalidRequest("No such token: 'tok_bogus'", { code: 'resource_missing', param: 'card[token]' }));
      const res = await pay(cookie, { token: 'tok_bogus', orderId }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: "No such token: 'tok_bogus'" }] });
      expect(await Payment.findOne({ orderId })).toMatchObject({ status: PaymentStatus.Failed });
      await pay(cookie, { token: 'tok_visa', orderId }).expect(201);
      // The unknown token never got as far as a PaymentIntent; the next attempt has the next key.
      expect(charges().map((r) => r.headers['idempotency-key'])).toEqual([`payment-${orderId}-1`]);
    });

    it('answers 500 when Stripe fails, keeps the attempt pending; a second request waits for it, then answers 503 (not 409)', async () => {
      const { orderId, cookie } = await payableOrder();
      http.answer('POST', '/v1/payment_intents', 500, apiError('Stripe is having trouble'));
      const res = await pay(cookie, { token: 'tok_visa', orderId }).expect(500);
      expect(res.body).toEqual({ errors: [{ message: 'Something went wrong' }] });
      // The outcome is unknown: the attempt keeps its key until the reconciler replays it.
      expect(await Payment.findOne({ orderId })).toMatchObject({ status: PaymentStatus.Pending, token: 'tok_visa' });

      // The wait is bounded (in production a few seconds more than a Stripe call); short here.
      const waitingApp = testApp(stripe, { attemptWaitMs: 400, pollIntervalMs: 50 });
      const started = Date.now();
      const again = await request(waitingApp).post('/api/payments').set('Cookie', cookie).send({ token: 'tok_mastercard', orderId });
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect([again.status, again.body]).toEqual([503, { errors: [{ message: STILL_PROCESSING }] }]);
      expect(charges()).toHaveLength(1);
      expect(await Payment.countDocuments({ orderId })).toBe(1);
    });

    it('keeps the attempt when Stripe holds its key with other parameters (never gives a used key up), answering 503', async () => {
      const { orderId, cookie } = await payableOrder();
      http.answer('POST', '/v1/payment_intents', 400, {
        error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' },
      });
      const res = await pay(cookie, { token: 'tok_visa', orderId });
      expect([res.status, res.body]).toEqual([503, { errors: [{ message: STILL_PROCESSING }] }]);
      expect(await Payment.findOne({ orderId })).toMatchObject({ status: PaymentStatus.Pending, attemptKey: `payment-${orderId}-0` });
    });
  });

  describe('a request that finds an attempt for the order in flight', () => {
    let lookups: jest.SpyInstance;
    beforeEach(() => {
      lookups = jest.spyOn(orderPayments, 'paymentsOf');
    });
    afterEach(() => lookups.mockRestore());

    /** Resolves once a request found the attempt key taken and reads the attempt under it. */
    const someoneReads = (attemptKey: string) =>
      waitFor(() => lookups.mock.calls.some(([, where]) => (where as { attemptKey?: string } | undefined)?.attemptKey === attemptKey));

    type Answer = { status: number; body: { id?: string; errors?: unknown } };

    /** While the next charge is in flight, a second request for the order arrives and finds the attempt. */
    function secondRequestDuringCharge(cookie: string[], orderId: string, token: string): { answer: () => Promise<Answer> } {
      let second: Promise<Answer> | undefined;
      http.during('POST', '/v1/payment_intents', async () => {
        second = pay(cookie, { token, orderId }).then((r) => r);
        await someoneReads(`payment-${orderId}-0`);
        // It keeps waiting while the first attempt is pending.
        await sleep(200);
      });
      return { answer: () => second! };
    }

    it('waits for it; when it succeeded, answers Order has already been paid and charges nothing', async () => {
      const { orderId, cookie } = await payableOrder();
      const second = secondRequestDuringCharge(cookie, orderId, 'tok_mastercard');
      const first = await pay(cookie, { token: 'tok_visa', orderId }).expect(201);
      const res = await second.answer();
      expect([res.status, res.body]).toEqual([400, { errors: [{ message: ALREADY_PAID }] }]);
      expect(charges()).toHaveLength(1);
      expect(await Payment.countDocuments({ orderId })).toBe(1);
      await relay.flush();
      expect(bus.publishedData(Subjects.PaymentCreated)).toEqual([{ id: first.body.id, orderId, stripeId: expect.stringMatching(/^pi_/) }]);
    });

    it('waits for it; when it was declined, makes its own attempt under the next key', async () => {
      const { orderId, cookie } = await payableOrder();
      http.answer('POST', '/v1/payment_intents', 402, cardDeclined());
      const second = secondRequestDuringCharge(cookie, orderId, 'tok_mastercard');
      await pay(cookie, { token: 'tok_chargeDeclined', orderId }).expect(402);
      const res = await second.answer();
      expect([res.status, res.body]).toEqual([201, { id: expect.any(String) }]);
      await expectDeclinedThenPaid(orderId, res.body.id);
    });
  });

  describe("finding the order's payments", () => {
    afterEach(() => jest.restoreAllMocks());
    /** Payment reads that name neither the order nor a payment (a read the orderId index cannot answer). */
    const readsByOtherFields = (...spies: jest.SpyInstance[]) =>
      spies.flatMap((spy) => spy.mock.calls.map(([filter]) => filter)).filter((filter) => !('orderId' in (filter ?? {})) && !('_id' in (filter ?? {})));
    const spyOnReads = () => ['find', 'findOne', 'exists', 'countDocuments'].map((m) => jest.spyOn(Payment, m as 'find'));

    it('reads them by the order (a decline, then a charge, then a repeat that is already paid)', async () => {
      const { orderId, cookie } = await payableOrder();
      const spies = spyOnReads();
      http.answer('POST', '/v1/payment_intents', 402, cardDeclined());
      await pay(cookie, { token: 'tok_chargeDeclined', orderId }).expect(402);
      const res = await pay(cookie, { token: 'tok_mastercard', orderId }).expect(201);
      const again = await pay(cookie, { token: 'tok_visa', orderId }).expect(400);
      expect(again.body).toEqual({ errors: [{ message: ALREADY_PAID }] });
      expect(spies[0].mock.calls.length).toBeGreaterThan(0);
      expect(readsByOtherFields(...spies)).toEqual([]);
      jest.restoreAllMocks();
      await expectDeclinedThenPaid(orderId, res.body.id);
    });

    it('finds only payments that were written (concurrent requests that found the key taken wrote none)', async () => {
      const { orderId, cookie } = await payableOrder();
      const answers = await Promise.all([0, 1, 2, 3].map(() => pay(cookie, { token: 'tok_visa', orderId })));
      expect(answers.map((r) => r.status).sort()).toEqual([201, 400, 400, 400]);
      expect(charges()).toHaveLength(1);
      expect((await orderPayments.paymentsOf(orderId)).map((p) => p.id)).toEqual([answers.find((r) => r.status === 201)!.body.id]);
    });
  });

  describe('an amount Stripe cannot charge', () => {
    it.each([[1e14], [1000000], [1000000.01]])('answers 400 for a price of %p dollars, without calling Stripe', async (price) => {
      const { orderId, cookie } = await payableOrder({ price });
      const res = await pay(cookie, { token: 'tok_visa', orderId });
      expect([res.status, res.body]).toEqual([400, { errors: [{ message: 'Order amount cannot be charged' }] }]);
      expect(http.requests).toHaveLength(0);
      expect(await Payment.countDocuments({ orderId })).toBe(0);
    });

    it('charges Stripe’s maximum, $999,999.99', async () => {
      const { orderId, cookie } = await payableOrder({ price: 999999.99 });
      await pay(cookie, { token: 'tok_visa', orderId }).expect(201);
      expect(charges()[0].params.get('amount')).toBe('99999999');
    });

    it('still answers the order’s own state first', async () => {
      const { orderId, cookie } = await payableOrder({ price: 1e14, expiresAt: past() });
      const res = await pay(cookie, { token: 'tok_visa', orderId }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Order has expired' }] });
    });
  });

  describe('an order cancelled while its charge is in flight', () => {
    it('refunds the charge through Stripe, records the refund and answers 400', async () => {
      const { order, orderId, cookie } = await payableOrder();
      let acked: boolean | undefined;
      // Expiration cancels the order while Stripe processes the charge: the listener
      // runs to completion (nothing to refund yet) before the route sees the charge.
      http.during('POST', '/v1/payment_intents', async () => {
        acked = await bus.deliver(Subjects.OrderCancelled, { id: orderId, version: order.version + 1, ticket: { id: newId() } });
      });

      const res = await pay(cookie, { token: 'tok_visa', orderId }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Cannot pay for a cancelled order' }] });
      expect(acked).toBe(true);
      expect((await Order.findById(orderId))!.status).toBe(OrderStatus.Cancelled);

      const payment = await Payment.findOne({ orderId });
      expect(payment).toMatchObject({ status: PaymentStatus.Refunded, stripeRefundId: expect.stringMatching(/^re_/) });
      expect(payment!.refundDue).toBeUndefined();
      expect(refunds()).toHaveLength(1);
      expect(refunds()[0].params.get('payment_intent')).toBe(payment!.stripeId);
      expect(refunds()[0].headers['idempotency-key']).toBe(`refund-${payment!.stripeId}`);
    });

    it('answers Order has expired when expiration cancelled it (expiresAt passed during the charge)', async () => {
      const expiresAt = new Date(Date.now() + 300);
      const { order, orderId, cookie } = await payableOrder({ expiresAt });
      http.during('POST', '/v1/payment_intents', async () => {
        await sleep(expiresAt.getTime() - Date.now() + 10);
        await bus.deliver(Subjects.OrderCancelled, { id: orderId, version: order.version + 1, ticket: { id: newId() } });
      });
      const res = await pay(cookie, { token: 'tok_visa', orderId }).expect(400);
      expect(res.body).toEqual({ errors: [{ message: 'Order has expired' }] });
      expect(await Payment.findOne({ orderId })).toMatchObject({ status: PaymentStatus.Refunded });
      expect(refunds()).toHaveLength(1);
    });

    it('answers 400 and leaves the refund due when Stripe refuses the refund for now', async () => {
      const { order, orderId, cookie } = await payableOrder();
      http.during('POST', '/v1/payment_intents', async () => {
        await bus.deliver(Subjects.OrderCancelled, { id: orderId, version: order.version + 1, ticket: { id: newId() } });
      });
      http.answer('POST', '/v1/refunds', 500, apiError());

      await pay(cookie, { token: 'tok_visa', orderId }).expect(400);
      expect(await Payment.findOne({ orderId })).toMatchObject({ status: PaymentStatus.Succeeded, refundDue: true });
    });
  });
});

describe('health and unknown routes', () => {
  it('answers /healthz and /readyz', async () => {
    await request(app).get('/healthz').expect(200);
    await request(app).get('/readyz').expect(200);
  });

  it('answers an unknown route with 404 Not Found', async () => {
    const res = await request(app).get('/api/payments/nope').expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });
});
