/**
 * The buyer guarantee under every interleaving fast-check's scheduler picks:
 * an event with a few orders; event:cancelled delivered once, again, or
 * twice at once (two replicas); each order's order:created (redelivered),
 * maybe its order:cancelled (orders cancelled it: an expiry, or its own
 * cascade for an order still unpaid there), payments by the route with good
 * or declined cards, and a PaymentIntent confirmed in the browser whose
 * webhook (redelivered) may come at any point: before the cancellation or
 * long after; Stripe may refuse each refund once (500). Stripe's answers and the reads and writes of the cancelled-event
 * record and the order replica arrive when the scheduler says. A delivery
 * not acked is redelivered. Real database, stripe-mock.
 *
 * Once quiet (and after what the reconciler would still do):
 * - every charge Stripe made is refunded, exactly once (one idempotency key
 *   per refunded payment at the SDK's HTTP boundary), with its
 *   stripeRefundId; nothing is kept;
 * - every order orders did not cancel (so it may have completed it) is
 *   announced refunded (payment:refunded) if it was charged, and no payment
 *   is announced twice;
 * - no order is payable: a new attempt is refused before Stripe is asked.
 */
import fc from 'fast-check';
import { EventCategory, EventStatus, OrderStatus, OutboxRelay, Subjects } from '@ticketing/common';
import { gateDatabaseCalls, InMemoryBus, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { CancelledEvent } from '../data/cancelled-event';
import { KeptPayment } from '../data/kept-payment';
import { Order } from '../data/order';
import { Payment, PaymentStatus } from '../data/payment';
import { CANCELLED, payOrder } from './charges';
import { createOrderIntent } from './intents';
import { handleStripeEvent } from './webhooks';
import { reconcile } from './reconciliation';
import { apiError, cardDeclined, RecordedRequest, requireStripeMock, testStripe } from '../test/stripe';
import { listenersOf } from '../entry-points/listeners';

useTestDatabase();
requireStripeMock();

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const { stripe, http } = testStripe();
const bus = new InMemoryBus();
const relay = new OutboxRelay(bus, [Payment]);
const gate = gateDatabaseCalls([CancelledEvent, Order, Payment, KeptPayment]);

beforeAll(async () => {
  await listenTo(listenersOf(bus, stripe), Subjects.OrderCreated, Subjects.OrderCancelled, Subjects.EventCancelled);
});
afterAll(() => gate.restore());

type Card = 'good' | 'declined';
const TOKENS: Record<Card, string> = { good: 'pm_card_visa', declined: 'pm_card_chargeDeclined' };

interface OrderHistory {
  createdCopies: number;
  /** 0: orders never cancelled it; otherwise how many times its order:cancelled is delivered. */
  cancelledCopies: number;
  pays: Card[];
  /** A PaymentIntent confirmed in the browser, then its webhook delivered this many times. */
  webhookCopies: number | null;
}

interface History {
  /** event:cancelled deliveries: 1, a redelivery, or copies at once (two replicas). */
  cancelCopies: number;
  /** The cancellation is sent once this many of the buyers' payment flows have ended (0: at once, with everything else). */
  cancelAfter: number;
  /** Stripe answers the first refund request of each payment with a 500: the refund stays due and is retried. */
  refundsFailFirst: boolean;
  orders: OrderHistory[];
}

const orderArb: fc.Arbitrary<OrderHistory> = fc.record({
  createdCopies: fc.integer({ min: 1, max: 2 }),
  cancelledCopies: fc.integer({ min: 0, max: 2 }),
  pays: fc.array(fc.constantFrom<Card>('good', 'declined'), { minLength: 0, maxLength: 2 }),
  webhookCopies: fc.option(fc.integer({ min: 1, max: 2 }), { nil: null }),
});
const historyArb: fc.Arbitrary<History> = fc.record({
  cancelCopies: fc.integer({ min: 1, max: 3 }),
  cancelAfter: fc.integer({ min: 0, max: 3 }),
  refundsFailFirst: fc.boolean(),
  orders: fc.array(orderArb, { minLength: 1, maxLength: 3 }),
});

const isAttempt = (r: RecordedRequest) => r.method === 'POST' && r.path === '/v1/payment_intents';
const isRefund = (r: RecordedRequest) => r.method === 'POST' && r.path === '/v1/refunds';
const declines = (r: RecordedRequest) => [...r.params.values()].some((v) => v === TOKENS.declined);
const statusOf = (err: unknown) => (err as { statusCode?: number } | null)?.statusCode ?? 500;

async function runHistory(s: fc.Scheduler, h: History) {
  const eventId = newId();
  const event = {
    id: eventId,
    version: 1,
    name: 'Summer Tour',
    venue: 'Arena',
    city: 'Springfield',
    startsAt: new Date(Date.now() + 86_400_000).toISOString(),
    category: EventCategory.Concert,
    status: EventStatus.Cancelled,
    organizerId: newId(),
  };
  const orders = h.orders.map((history) => ({ history, id: newId(), userId: newId(), ticketId: newId() }));

  http.reset();
  bus.clear();
  const failedRefunds = new Set<string>();
  http.intercept(async (request) => {
    await s.schedule(Promise.resolve(), `stripe ${request.method} ${request.path}`);
    const key = request.headers['idempotency-key'];
    if (h.refundsFailFirst && isRefund(request) && key && !failedRefunds.has(key)) {
      failedRefunds.add(key);
      return { status: 500, body: apiError() };
    }
    if (isAttempt(request) && declines(request)) {
      const body = cardDeclined();
      return { status: 402, body: { error: { ...body.error, payment_intent: { id: `pi_declined${newId()}`, object: 'payment_intent', status: 'requires_payment_method' } } } };
    }
    return undefined;
  });

  const deliverUntilAcked = async (subject: Subjects, data: object, eventIdOnWire: string) => {
    const envelope = { id: eventIdOnWire, subject, time: new Date().toISOString(), data } as never;
    for (let attempt = 1; attempt <= 50; attempt += 1) {
      await s.schedule(Promise.resolve(), `deliver ${subject} #${attempt}`);
      if (await bus.deliverEnvelope(envelope, attempt)) return;
    }
    throw new Error(`${subject} never acked: ${JSON.stringify(data)}`);
  };

  const answers: number[] = [];
  const browserCharged: string[] = [];
  const work: Promise<unknown>[] = [];
  /** The buyers' payment flows (route and browser), in the order they were made. */
  const flows: Promise<unknown>[] = [];
  for (const { history, id, userId, ticketId } of orders) {
    const created = {
      id,
      version: 0,
      status: OrderStatus.Created,
      userId,
      expiresAt: new Date(Date.now() + 15 * 60 * 1000).toISOString(),
      ticket: { id: ticketId, price: 25, userId: newId(), eventId },
      quantity: 2,
      fee: 3,
      total: 56,
    };
    for (let i = 0; i < history.createdCopies; i += 1) work.push(deliverUntilAcked(Subjects.OrderCreated, created, `created-${id}`));
    for (let i = 0; i < history.cancelledCopies; i += 1) {
      work.push(deliverUntilAcked(Subjects.OrderCancelled, { id, version: 1, ticket: { id: ticketId }, quantity: 2 }, `order-cancelled-${id}`));
    }
    for (const card of history.pays) {
      flows.push(
        (async () => {
          await s.schedule(Promise.resolve(), `pay ${card}`);
          try {
            await payOrder(stripe, { orderId: id, userId, token: TOKENS[card] }, { attemptWaitMs: 10000, pollIntervalMs: 5 });
            answers.push(201);
          } catch (err) {
            answers.push(statusOf(err));
          }
        })(),
      );
    }
    if (history.webhookCopies) {
      const copies = history.webhookCopies;
      flows.push(
        (async () => {
          await s.schedule(Promise.resolve(), 'browser asks for a PaymentIntent');
          let paymentIntentId: string;
          try {
            ({ paymentIntentId } = await createOrderIntent(stripe, { orderId: id, userId }));
          } catch (err) {
            answers.push(statusOf(err));
            return;
          }
          browserCharged.push(paymentIntentId);
          const intent = { ...(await stripe.paymentIntents.retrieve(paymentIntentId)), id: paymentIntentId, status: 'succeeded' as const, metadata: { orderId: id } };
          const stripeEvent = { id: `evt_${paymentIntentId}`, object: 'event', type: 'payment_intent.succeeded', data: { object: intent } } as never;
          await Promise.all(
            Array.from({ length: copies }, async (_, i) => {
              await s.schedule(Promise.resolve(), `webhook #${i + 1}`);
              await handleStripeEvent(stripe, stripeEvent);
            }),
          );
        })(),
      );
    }
  }
  const cancelWhen = Promise.all(flows.slice(0, h.cancelAfter));
  for (let i = 0; i < h.cancelCopies; i += 1) {
    work.push(cancelWhen.then(() => deliverUntilAcked(Subjects.EventCancelled, event, `cancelled-${eventId}`)));
  }
  gate.start(s);
  try {
    await s.waitFor(Promise.all([...work, ...flows]));
    await s.waitFor(reconcile(stripe));
  } finally {
    gate.stop();
  }
  http.intercept(undefined);

  // Buyers never see a server fault.
  for (const status of answers) expect([201, 400, 402, 404]).toContain(status);

  const orderIds = orders.map((o) => o.id);
  const payments = await Payment.find({ orderId: { $in: orderIds } }).lean();
  const byStatus = (st: PaymentStatus) => payments.filter((p) => p.status === st);
  expect(byStatus(PaymentStatus.Pending)).toEqual([]);
  // Nothing is kept: every charge Stripe made (and we heard of) is refunded, with its refund id.
  expect(byStatus(PaymentStatus.Succeeded)).toEqual([]);
  const charged = new Set(
    http.requests.filter((r) => isAttempt(r) && r.status === 200 && r.params.get('confirm') === 'true').map((r) => r.headers['idempotency-key']),
  );
  const refunded = byStatus(PaymentStatus.Refunded);
  expect(refunded.length).toBe(charged.size + browserCharged.length);
  for (const p of refunded) expect(p.stripeRefundId).toMatch(/^re_/);
  // Exactly once at Stripe: one idempotency key per refunded payment, naming its PaymentIntent, however often tried.
  const refundRequests = http.requests.filter(isRefund);
  expect(new Set(refundRequests.map((r) => r.headers['idempotency-key'])).size).toBe(refunded.length);
  for (const r of refundRequests) expect(r.headers['idempotency-key']).toBe(`refund-${r.params.get('payment_intent')}`);
  expect(await Payment.countDocuments({ orderId: { $in: orderIds }, refundDue: true })).toBe(0);

  // Orders learns of each refund of an order it may have completed, and no payment is announced twice.
  await relay.flush();
  const announced = bus.publishedData(Subjects.PaymentRefunded).filter((e) => orderIds.includes(e.orderId));
  expect(new Set(announced.map((e) => e.id)).size).toBe(announced.length);
  for (const e of announced) expect(refunded.find((p) => String(p._id) === e.id)).toMatchObject({ stripeRefundId: e.stripeRefundId, amount: e.amount });
  for (const { history, id } of orders) {
    const wasCharged = refunded.some((p) => p.orderId === id);
    if (wasCharged && history.cancelledCopies === 0) expect(announced.some((e) => e.orderId === id)).toBe(true);
  }

  // No order is payable any more: refused before Stripe is asked.
  http.reset();
  for (const { id, userId } of orders) {
    await expect(payOrder(stripe, { orderId: id, userId, token: TOKENS.good })).rejects.toMatchObject({ statusCode: 400, message: CANCELLED });
  }
  expect(http.requests).toHaveLength(0);
}

describe('the buyer guarantee under concurrent, duplicated, reordered cancellations, payments and webhooks', () => {
  it(`refunds every charge once and leaves nothing payable (${RUNS} histories)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), historyArb, async (s, h) => runHistory(s, h)),
      { numRuns: RUNS, ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED), path: process.env.PROPERTY_PATH, endOnFailure: true } : {}) },
    );
  }, 1_200_000);
});
