/**
 * Model-based concurrency test of the two records more than one handler
 * writes in payments: the order replica (order:created, order:cancelled) and
 * the payment (the payment route, the order:cancelled refund, the reconciler,
 * and a PaymentIntent confirmed in the browser: its webhook, possibly
 * redelivered, and the page's report).
 *
 * fast-check generates a history (an order, maybe its cancellation, duplicate
 * deliveries, payment attempts with good or declined cards); everything starts
 * at once and fast-check's scheduler picks the interleaving: which delivery
 * runs first, and when each Stripe answer arrives. A delivery that was not
 * acked is redelivered, as the bus would. A real database, Stripe answers from
 * stripe-mock (declines scripted). The final state is compared with a plain
 * model of what it must be.
 */
import fc from 'fast-check';
import { OrderStatus, OutboxRelay, Subjects } from '@ticketing/common';
import { InMemoryBus, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { Order } from '../data/order';
import { Payment, PaymentStatus } from '../data/payment';
import { payOrder } from './charges';
import { createOrderIntent, recordBrowserIntent } from './intents';
import { handleStripeEvent } from './webhooks';
import { reconcile } from './reconciliation';
import { cardDeclined, RecordedRequest, requireStripeMock, testStripe } from '../test/stripe';
import { listenersOf } from '../entry-points/listeners';

useTestDatabase();
requireStripeMock();

// 200 histories took 575 s with the browser's PaymentIntent in them (load 14-22 on 2 cores), 174 s without.
const RUNS = Number(process.env.PROPERTY_RUNS ?? 120);
const { stripe, http } = testStripe();
const bus = new InMemoryBus();
const relay = new OutboxRelay(bus, [Payment]);

beforeAll(async () => {
  await listenTo(listenersOf(bus, stripe), Subjects.OrderCreated, Subjects.OrderCancelled);
});

type Card = 'good' | 'declined';
const TOKENS: Record<Card, string> = { good: 'pm_card_visa', declined: 'pm_card_chargeDeclined' };

interface History {
  price: number;
  /** How many times order:created is delivered (redelivery of one message). */
  createdCopies: number;
  /** 0: the order stays open; otherwise how many times order:cancelled is delivered. */
  cancelledCopies: number;
  pays: Card[];
  /** A PaymentIntent asked for, confirmed (successfully) in the browser, then Stripe's webhook delivered this many times (0: never) and the page's report (or not). */
  browser: { webhookCopies: number; reported: boolean } | null;
}

const historyArb: fc.Arbitrary<History> = fc.record({
  price: fc.constantFrom(0.29, 19.99, 20, 1234.56),
  createdCopies: fc.integer({ min: 1, max: 2 }),
  cancelledCopies: fc.integer({ min: 0, max: 2 }),
  pays: fc.array(fc.constantFrom<Card>('good', 'declined'), { minLength: 1, maxLength: 3 }),
  browser: fc.option(fc.record({ webhookCopies: fc.integer({ min: 0, max: 2 }), reported: fc.boolean() }), { nil: null }),
});

/** What the attempt endpoints (charges before, PaymentIntents now) are. */
const isAttempt = (r: RecordedRequest) => r.method === 'POST' && /^\/v1\/(charges|payment_intents)$/.test(r.path);
const isRefund = (r: RecordedRequest) => r.method === 'POST' && r.path === '/v1/refunds';
const declines = (r: RecordedRequest) => [...r.params.values()].some((v) => v === TOKENS.declined);

const statusOf = (err: unknown) => (err as { statusCode?: number } | null)?.statusCode ?? 500;

async function runHistory(s: fc.Scheduler, h: History) {
  const orderId = newId();
  const userId = newId();
  const created = {
    id: orderId,
    version: 0,
    status: OrderStatus.Created,
    userId,
    expiresAt: new Date(Date.now() + 15 * 60 * 1000).toISOString(),
    ticket: { id: newId(), price: h.price },
  };
  const cancelled = { id: orderId, version: 1, ticket: { id: created.ticket.id } };

  http.reset();
  bus.clear();
  // Every Stripe answer arrives when the scheduler says; a declined card is declined.
  http.intercept(async (request) => {
    await s.schedule(Promise.resolve(), `stripe ${request.method} ${request.path}`);
    if (isAttempt(request) && declines(request)) {
      const body = cardDeclined();
      return { status: 402, body: { error: { ...body.error, payment_intent: { id: `pi_declined${newId()}`, object: 'payment_intent', status: 'requires_payment_method' } } } };
    }
    return undefined;
  });

  /** Delivers one message until it is acked, as the bus redelivers what was not acked. */
  const deliverUntilAcked = async (subject: Subjects.OrderCreated | Subjects.OrderCancelled, data: object, eventId: string) => {
    const envelope = { id: eventId, subject, time: new Date().toISOString(), data } as never;
    for (let attempt = 1; attempt <= 50; attempt += 1) {
      await s.schedule(Promise.resolve(), `deliver ${subject} #${attempt}`);
      if (await bus.deliverEnvelope(envelope, attempt)) return;
    }
    throw new Error(`${subject} never acked`);
  };

  const deliveries: Promise<unknown>[] = [];
  for (let i = 0; i < h.createdCopies; i += 1) deliveries.push(deliverUntilAcked(Subjects.OrderCreated, created, `created-${orderId}`));
  for (let i = 0; i < h.cancelledCopies; i += 1) deliveries.push(deliverUntilAcked(Subjects.OrderCancelled, cancelled, `cancelled-${orderId}`));
  const answers: { card: Card | 'browser'; status: number; id?: string }[] = [];
  const pays = h.pays.map(async (card) => {
    await s.schedule(Promise.resolve(), `pay ${card}`);
    try {
      const { payment, intentStatus } = await payOrder(stripe, { orderId, userId, token: TOKENS[card] }, { attemptWaitMs: 10000, pollIntervalMs: 5 });
      answers.push({ card, status: intentStatus ? 202 : 201, id: payment.id });
    } catch (err) {
      answers.push({ card, status: statusOf(err) });
    }
  });
  // The browser: a PaymentIntent for the order, confirmed at Stripe (succeeded), then reported by
  // Stripe's webhook and/or the page, in any order with everything else.
  let browserCharged: string | undefined;
  const browser = (async () => {
    if (!h.browser) return;
    await s.schedule(Promise.resolve(), 'browser asks for a PaymentIntent');
    let paymentIntentId: string;
    try {
      ({ paymentIntentId } = await createOrderIntent(stripe, { orderId, userId }));
    } catch (err) {
      answers.push({ card: 'browser', status: statusOf(err) });
      return;
    }
    browserCharged = paymentIntentId;
    const intent = { ...(await stripe.paymentIntents.retrieve(paymentIntentId)), id: paymentIntentId, status: 'succeeded' as const, metadata: { orderId } };
    const event = { id: `evt_${paymentIntentId}`, object: 'event', type: 'payment_intent.succeeded', data: { object: intent } } as never;
    const reports: Promise<unknown>[] = [];
    for (let i = 0; i < h.browser.webhookCopies; i += 1) {
      reports.push(
        (async () => {
          await s.schedule(Promise.resolve(), `webhook #${i + 1}`);
          await handleStripeEvent(stripe, event);
        })(),
      );
    }
    if (h.browser.reported) {
      reports.push(
        (async () => {
          await s.schedule(Promise.resolve(), 'page reports');
          try {
            const { payment, intentStatus } = await recordBrowserIntent(stripe, { orderId, userId, paymentIntentId });
            answers.push({ card: 'browser', status: intentStatus ? 202 : 201, id: payment.id });
          } catch (err) {
            answers.push({ card: 'browser', status: statusOf(err) });
          }
        })(),
      );
    }
    await Promise.all(reports);
  })();
  await s.waitFor(Promise.all([...deliveries, ...pays, browser]));
  // Quiet: what the reconciler would still find to do.
  await s.waitFor(reconcile(stripe));
  http.intercept(undefined);

  // ---- the model
  const isCancelled = h.cancelledCopies > 0;
  const order = await Order.findById(orderId);
  expect(order?.toJSON()).toMatchObject({ status: isCancelled ? OrderStatus.Cancelled : OrderStatus.Created, version: isCancelled ? 1 : 0 });

  // Buyers never see a server fault.
  for (const a of answers) expect([201, 400, 402, 404]).toContain(a.status);

  const payments = await Payment.find({ orderId }).lean();
  const byStatus = (st: PaymentStatus) => payments.filter((p) => p.status === st);
  expect(byStatus(PaymentStatus.Pending)).toEqual([]);
  // What Stripe charged: the route's confirmed attempts (by key; the browser's PaymentIntent is created
  // unconfirmed under an intent- key), and the browser's PaymentIntent once a webhook or the page told us.
  const charged = new Set(
    http.requests.filter((r) => isAttempt(r) && r.status === 200 && r.params.get('confirm') === 'true').map((r) => r.headers['idempotency-key']),
  );
  const browserRecorded = !!browserCharged && !!h.browser && (h.browser.webhookCopies > 0 || h.browser.reported);
  // Every charge Stripe made (and we heard of) is one payment here, kept or refunded.
  expect(byStatus(PaymentStatus.Succeeded).length + byStatus(PaymentStatus.Refunded).length).toBe(charged.size + (browserRecorded ? 1 : 0));
  if (isCancelled) {
    expect(byStatus(PaymentStatus.Succeeded)).toEqual([]);
  } else {
    // One payment kept, whoever recorded it; every 201 names it; every other charge refunded.
    const kept = byStatus(PaymentStatus.Succeeded);
    const paid = answers.filter((a) => a.status === 201);
    expect(kept.length).toBe(paid.length > 0 || browserRecorded ? 1 : 0);
    for (const a of paid) expect(a.id).toBe(String(kept[0]._id));
    expect(byStatus(PaymentStatus.Refunded).length).toBe(charged.size + (browserRecorded ? 1 : 0) - kept.length);
    if (!browserRecorded && answers.some((a) => a.card === 'good' && a.status !== 404)) expect(paid).toHaveLength(1);
  }
  for (const p of byStatus(PaymentStatus.Refunded)) expect(p.stripeRefundId).toMatch(/^re_/);
  // One refund per refunded payment, however often it was tried.
  expect(new Set(http.requests.filter(isRefund).map((r) => r.headers['idempotency-key'])).size).toBe(byStatus(PaymentStatus.Refunded).length);
  for (const p of byStatus(PaymentStatus.Failed)) expect(p.failureMessage).toBe('Your card was declined.');

  // payment:created exactly once for each payment that was charged.
  await relay.flush();
  const published = bus.publishedData(Subjects.PaymentCreated).filter((e) => e.orderId === orderId);
  const chargedIds = [...byStatus(PaymentStatus.Succeeded), ...byStatus(PaymentStatus.Refunded)].map((p) => String(p._id)).sort();
  expect(published.map((e) => e.id).sort()).toEqual(chargedIds);
}

describe('order replica and payment under concurrent, duplicated, reordered events', () => {
  it(`converge to the model (${RUNS} histories)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), historyArb, async (s, h) => runHistory(s, h)),
      { numRuns: RUNS },
    );
  }, 1_200_000);
});
