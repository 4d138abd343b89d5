/**
 * Model-based concurrency test of seller payouts: the payouts of one event's
 * paid orders are created (payment:created, maybe redelivered), released by
 * several runs at once (one of them may be a later run taking over lapsed
 * claims), some transfers' answers are lost after Stripe made them (a crash
 * between the claim and the record) or refused, the seller's account may
 * arrive late, and the event may be cancelled (cancelPayoutsOfEvent, maybe
 * twice, its reversals' answers lost too). fast-check's scheduler orders
 * every database call of the payout records and every Stripe answer. Stripe
 * is modelled at the SDK's HTTP boundary as it behaves: a request repeating
 * an idempotency key gets the first answer back, nothing new is made.
 *
 * Then, once quiet (what the releaser and a redelivered cancellation would
 * still do): at most one transfer per payout; without a cancellation every
 * payout of a seller with an account is paid with its one transfer; with
 * one, no payout is paid for the cancelled event without its reversal
 * (every transfer made is reversed, the others cancelled).
 */
import fc from 'fast-check';
import { EventStatus, OrderStatus, Subjects } from '@ticketing/common';
import { gateDatabaseCalls, InMemoryBus, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { CancelledEvent } from '../data/cancelled-event';
import { Event } from '../data/event';
import { Order } from '../data/order';
import { Payout, PayoutStatus } from '../data/payout';
import { SellerAccount } from '../data/seller-account';
import { RecordedRequest, requireStripeMock, testStripe } from '../test/stripe';
import { cancelPayoutsOfEvent, DEFAULT_PAYOUT_SETTINGS, releasePayouts } from './payouts';
import { listenersOf } from '../entry-points/listeners';

useTestDatabase();
requireStripeMock();

const RUNS = Number(process.env.PROPERTY_RUNS ?? 80);
const { stripe, http } = testStripe();
const bus = new InMemoryBus();
const settings = DEFAULT_PAYOUT_SETTINGS;
let gate: ReturnType<typeof gateDatabaseCalls>;

beforeAll(async () => {
  await listenTo(listenersOf(bus, stripe, settings), Subjects.PaymentCreated);
  // Once connected: the FerretDB adapter wraps each collection's methods when the connection opens,
  // from the prototype, and would replace a gate installed before it.
  gate = gateDatabaseCalls([Payout, SellerAccount, CancelledEvent]);
});
afterAll(() => gate.restore());

/** What becomes of one Stripe request: answered; made at Stripe but the answer lost (the process died); refused. */
type Fate = 'ok' | 'lost' | 'refused';

interface History {
  orders: number;
  /** Deliveries of each order's payment:created. */
  paymentCopies: number;
  accountAtStart: boolean;
  /** Concurrent release runs; a `late` one runs after every claim's lease (it takes lapsed claims over). */
  releases: Array<'now' | 'late'>;
  /** 0: the event goes on; otherwise how many times its cancellation is handled. */
  cancels: number;
  /** The fate of each transfer request, in the order they reach Stripe (then answered). */
  transferFates: Fate[];
  /** The fate of each reversal request (then answered). */
  reversalFates: Array<'ok' | 'lost'>;
}

const historyArb: fc.Arbitrary<History> = fc.record({
  orders: fc.integer({ min: 1, max: 2 }),
  paymentCopies: fc.integer({ min: 1, max: 2 }),
  accountAtStart: fc.boolean(),
  releases: fc.array(fc.constantFrom<'now' | 'late'>('now', 'now', 'late'), { minLength: 1, maxLength: 3 }),
  cancels: fc.integer({ min: 0, max: 2 }),
  transferFates: fc.array(fc.constantFrom<Fate>('ok', 'lost', 'refused'), { maxLength: 4 }),
  reversalFates: fc.array(fc.constantFrom<'ok' | 'lost'>('ok', 'lost'), { maxLength: 3 }),
});

/** Stripe as it behaves with idempotency keys: one object per key, the first answer repeated. */
class StripeModel {
  readonly transfers = new Map<string, { id: string; payoutId: string; amount: number }>();
  readonly reversals = new Map<string, { id: string; transfer: string }>();
  private readonly refusedKeys = new Set<string>();

  constructor(
    private readonly transferFates: Fate[],
    private readonly reversalFates: Array<'ok' | 'lost'>,
  ) {}

  answer(request: RecordedRequest): { status: number; body: unknown } | 'lost' | undefined {
    const key = request.headers['idempotency-key'];
    if (request.method === 'POST' && request.path === '/v1/transfers') {
      if (this.refusedKeys.has(key)) return refusal();
      let transfer = this.transfers.get(key);
      if (!transfer) {
        const fate = this.transferFates.shift() ?? 'ok';
        if (fate === 'refused') {
          this.refusedKeys.add(key);
          return refusal();
        }
        transfer = { id: `tr_${newId()}`, payoutId: request.params.get('metadata[payoutId]')!, amount: Number(request.params.get('amount')) };
        this.transfers.set(key, transfer);
        if (fate === 'lost') return 'lost';
      }
      return { status: 200, body: { id: transfer.id, object: 'transfer', amount: transfer.amount, currency: 'usd' } };
    }
    const reversal = /^\/v1\/transfers\/([^/]+)\/reversals$/.exec(request.path);
    if (request.method === 'POST' && reversal) {
      let made = this.reversals.get(key);
      if (!made) {
        made = { id: `trr_${newId()}`, transfer: reversal[1] };
        this.reversals.set(key, made);
        if ((this.reversalFates.shift() ?? 'ok') === 'lost') return 'lost';
      }
      return { status: 200, body: { id: made.id, object: 'transfer_reversal', transfer: made.transfer } };
    }
    return undefined;
  }
}

const refusal = () => ({ status: 400, body: { error: { type: 'invalid_request_error', message: 'The destination account cannot receive transfers yet' } } });

async function runHistory(s: fc.Scheduler, h: History) {
  const eventId = newId();
  const sellerId = newId();
  // Started long enough ago that its payouts are due as soon as they exist.
  await Event.create({ _id: eventId, name: 'Gone By', startsAt: new Date(Date.now() - settings.holdSeconds * 1000 - 60000), status: EventStatus.Scheduled, version: 0 });
  const orderIds = await Promise.all(
    Array.from({ length: h.orders }, async (_, i) => {
      const order = await Order.build({
        id: newId(),
        userId: newId(),
        price: 19.99 + i,
        total: 2 * (19.99 + i + 2.5),
        quantity: 2,
        status: OrderStatus.Complete,
        version: 1,
        expiresAt: new Date(Date.now() + 60000),
        ticketId: newId(),
        sellerId,
        eventId,
      }).save();
      return order.id as string;
    }),
  );
  if (h.accountAtStart) await SellerAccount.create({ _id: sellerId, accountId: `acct_${sellerId.slice(-10)}`, createdAt: new Date() });

  const stripeModel = new StripeModel([...h.transferFates], [...h.reversalFates]);
  http.reset();
  let scheduling = true;
  http.intercept(async (request) => {
    if (scheduling) await s.schedule(Promise.resolve(), `stripe ${request.method} ${request.path}`);
    const answer = stripeModel.answer(request);
    if (answer === 'lost') throw new Error('the process died before the answer arrived');
    return answer;
  });

  const tolerate = async (label: string, fn: () => Promise<unknown>) => {
    await s.schedule(Promise.resolve(), label);
    try {
      await fn();
    } catch {
      // A run that failed (a lost answer): what it left is for the next run or redelivery.
    }
  };
  const deliverUntilAcked = async (orderId: string, copy: number) => {
    const envelope = { id: `paid-${orderId}`, subject: Subjects.PaymentCreated, time: new Date().toISOString(), data: { id: newId(), orderId, stripeId: 'pi_x' } } as never;
    for (let attempt = 1; attempt <= 20; attempt += 1) {
      await s.schedule(Promise.resolve(), `deliver payment:created ${orderId} copy ${copy} #${attempt}`);
      if (await bus.deliverEnvelope(envelope, attempt)) return;
    }
    throw new Error('payment:created never acked');
  };
  const late = () => new Date(Date.now() + settings.claimLeaseMs + 1000);

  gate.start(s);
  const work: Promise<unknown>[] = [];
  for (const orderId of orderIds) for (let c = 0; c < h.paymentCopies; c += 1) work.push(deliverUntilAcked(orderId, c));
  for (const [i, kind] of h.releases.entries()) work.push(tolerate(`release ${i} ${kind}`, () => releasePayouts(stripe, settings, kind === 'late' ? late() : new Date())));
  for (let i = 0; i < h.cancels; i += 1) work.push(tolerate(`cancel ${i}`, () => cancelPayoutsOfEvent(stripe, eventId)));
  if (!h.accountAtStart) work.push(tolerate('seller adds an account', () => SellerAccount.create({ _id: sellerId, accountId: `acct_${sellerId.slice(-10)}`, createdAt: new Date() })));
  try {
    await s.waitFor(Promise.all(work));
  } finally {
    // A failed history must not leave the next one (or a shrink) gated by this scheduler.
    gate.stop();
    scheduling = false;
  }
  if (process.env.PROPERTY_DEBUG) process.stdout.write(`${s.report().map((t) => t.label).join('\n')}\n`);

  // Quiet: the releaser's later runs (claims lapsed by then) and the cancellation's redelivery until it succeeds.
  for (let round = 0; round < 6; round += 1) {
    await releasePayouts(stripe, settings, new Date(Date.now() + (round + 1) * (settings.claimLeaseMs + 1000)));
    if (h.cancels > 0) await cancelPayoutsOfEvent(stripe, eventId).catch(() => undefined);
  }
  http.intercept(undefined);

  // ---- the model
  const payouts = await Payout.find({ eventId }).lean();
  expect(payouts.map((p) => p.orderId).sort()).toEqual([...orderIds].sort());
  const transfers = [...stripeModel.transfers.values()];
  for (const payout of payouts) {
    const made = transfers.filter((t) => t.payoutId === String(payout._id));
    // At most one transfer per payout, of its amount in cents.
    expect(made.length).toBeLessThanOrEqual(1);
    for (const t of made) expect(t.amount).toBe(Math.round(payout.amount * 100));
    if (h.cancels > 0) {
      if (made.length === 1) {
        // Paid for a cancelled event: reversed, by a reversal of that transfer.
        expect(payout.status).toBe(PayoutStatus.Reversed);
        expect(payout.transferId).toBe(made[0].id);
        expect([...stripeModel.reversals.values()].filter((r) => r.transfer === made[0].id)).toHaveLength(1);
      } else {
        expect(payout.status).toBe(PayoutStatus.Cancelled);
      }
    } else {
      expect(payout).toMatchObject({ status: PayoutStatus.Paid, transferId: made[0]?.id });
      expect(made).toHaveLength(1);
    }
  }
  expect(stripeModel.reversals.size).toBe(h.cancels > 0 ? payouts.filter((p) => p.status === PayoutStatus.Reversed).length : 0);
}

describe('payouts under concurrent releases, crashes, redeliveries and a cancellation', () => {
  it(`pay at most once and never keep a cancelled event's money paid out (${RUNS} histories)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), historyArb, async (s, h) => runHistory(s, h)),
      // A history that hangs fails with its schedule instead of stalling the suite.
      { numRuns: RUNS, timeout: 30000, ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}) },
    );
  }, 1_200_000);
});
