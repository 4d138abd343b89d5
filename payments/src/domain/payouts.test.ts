import { EventCategory, EventStatus, OrderStatus, Subjects } from '@ticketing/common';
import { InMemoryBus, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { Payout, PayoutStatus } from '../data/payout';
import { createSucceededPayment } from '../test/orders';
import { createEvent, createPayout, createSellerAccount, createSellerOrder } from '../test/payouts';
import { apiError, invalidRequest, requireStripeMock, testStripe } from '../test/stripe';
import { cancelPayoutsOfEvent, DEFAULT_PAYOUT_SETTINGS, releasePayouts, reversalKeyFor, transferKeyFor } from './payouts';
import { listenersOf } from '../entry-points/listeners';

useTestDatabase();
requireStripeMock();

const { stripe, http } = testStripe();
const bus = new InMemoryBus();
const HOLD_MS = DEFAULT_PAYOUT_SETTINGS.holdSeconds * 1000;
const LEASE_MS = DEFAULT_PAYOUT_SETTINGS.claimLeaseMs;

beforeAll(async () => {
  await listenTo(listenersOf(bus, stripe), Subjects.PaymentCreated, Subjects.EventCreated, Subjects.EventUpdated, Subjects.OrderCancelled);
});
beforeEach(() => {
  bus.clear();
  http.reset();
});

const transfers = () => http.to('POST', '/v1/transfers');
const reversals = () => http.to('POST', /^\/v1\/transfers\/[^/]+\/reversals$/);
const paymentCreated = (orderId: string) => ({ id: newId(), orderId, stripeId: `pi_test${newId()}` });
const eventMessage = (id: string, startsAt: Date, version: number) => ({
  id,
  version,
  name: 'Summer Tour',
  venue: 'Arena',
  city: 'Springfield',
  startsAt: startsAt.toISOString(),
  category: EventCategory.Concert,
  status: EventStatus.Scheduled,
  organizerId: newId(),
});

describe('a payout per paid order (payment:created)', () => {
  it('owes the seller unitPrice × quantity, released at the event’s start plus the hold, once however often delivered', async () => {
    const startsAt = new Date(Date.now() + 7 * 24 * 3600 * 1000);
    const event = await createEvent(startsAt);
    const order = await createSellerOrder({ price: 19.99, quantity: 3, total: 3 * (19.99 + 2.5), eventId: event.id });
    const envelope = { id: 'evt-paid', subject: Subjects.PaymentCreated as const, time: new Date().toISOString(), data: paymentCreated(order.id) };
    expect(await bus.deliverEnvelope(envelope)).toBe(true);
    expect(await bus.deliverEnvelope(envelope, 2)).toBe(true);
    // A second success of the same order (a duplicate payment, refunded) changes nothing either.
    expect(await bus.deliver(Subjects.PaymentCreated, paymentCreated(order.id))).toBe(true);

    const payouts = await Payout.find({ orderId: order.id });
    expect(payouts).toHaveLength(1);
    expect(payouts[0].toObject()).toMatchObject({
      ticketId: order.ticketId,
      sellerId: order.sellerId,
      eventId: event.id,
      // Exact cents: 3 × 19.99 is 59.97, not a binary fraction away from it; the fee is not the seller's.
      amount: 59.97,
      status: PayoutStatus.Pending,
      releaseAt: new Date(startsAt.getTime() + HOLD_MS),
    });
    expect(http.requests).toHaveLength(0);
  });

  it('releases a payout of a listing with no event at the payment time plus the hold', async () => {
    const order = await createSellerOrder({ price: 40, quantity: 2 });
    const time = new Date(Date.now() - 60000);
    const envelope = { id: 'evt-no-event', subject: Subjects.PaymentCreated as const, time: time.toISOString(), data: paymentCreated(order.id) };
    expect(await bus.deliverEnvelope(envelope)).toBe(true);
    expect((await Payout.findOne({ orderId: order.id }))!.toObject()).toMatchObject({ amount: 80, releaseAt: new Date(time.getTime() + HOLD_MS) });
  });

  it('waits (not acked) for an event it has not heard of yet, then applies once it has', async () => {
    const eventId = newId();
    const order = await createSellerOrder({ price: 10, eventId });
    const data = paymentCreated(order.id);
    expect(await bus.deliver(Subjects.PaymentCreated, data)).toBe(false);
    expect(await Payout.countDocuments({ orderId: order.id })).toBe(0);
    const startsAt = new Date(Date.now() + 3600 * 1000);
    expect(await bus.deliver(Subjects.EventCreated, eventMessage(eventId, startsAt, 0))).toBe(true);
    expect(await bus.deliver(Subjects.PaymentCreated, data)).toBe(true);
    expect((await Payout.findOne({ orderId: order.id }))!.releaseAt).toEqual(new Date(startsAt.getTime() + HOLD_MS));
  });

  it('makes no payout for a version-1 order (no seller) nor for an order cancelled (its payment refunded)', async () => {
    const v1 = await createSellerOrder({ sellerId: undefined });
    expect(await bus.deliver(Subjects.PaymentCreated, paymentCreated(v1.id))).toBe(true);
    const cancelled = await createSellerOrder({ status: OrderStatus.Cancelled });
    expect(await bus.deliver(Subjects.PaymentCreated, paymentCreated(cancelled.id))).toBe(true);
    expect(await Payout.countDocuments({ orderId: { $in: [v1.id, cancelled.id] } })).toBe(0);
  });

  it('cancels the pending payout of an order cancelled after it was paid (the race with expiration: its payment is refunded)', async () => {
    const order = await createSellerOrder({ price: 30 });
    await createSucceededPayment(order.id);
    expect(await bus.deliver(Subjects.PaymentCreated, paymentCreated(order.id))).toBe(true);
    expect(await bus.deliver(Subjects.OrderCancelled, { id: order.id, version: 1, ticket: { id: order.ticketId! } })).toBe(true);
    expect((await Payout.findOne({ orderId: order.id }))!.status).toBe(PayoutStatus.Cancelled);
    expect(http.to('POST', '/v1/refunds')).toHaveLength(1);
  });

  it('moves pending payouts when the event moves, never back to an older version’s time, and leaves paid ones alone', async () => {
    const eventId = newId();
    const first = new Date(Date.now() + 3600 * 1000);
    expect(await bus.deliver(Subjects.EventCreated, eventMessage(eventId, first, 0))).toBe(true);
    const order = await createSellerOrder({ price: 10, eventId });
    expect(await bus.deliver(Subjects.PaymentCreated, paymentCreated(order.id))).toBe(true);
    const paid = await createPayout({ eventId, status: PayoutStatus.Paid });

    const moved = new Date(first.getTime() + 2 * 3600 * 1000);
    expect(await bus.deliver(Subjects.EventUpdated, eventMessage(eventId, moved, 2))).toBe(true);
    // Version 1 arrives late: the replica keeps version 2, and so does the payout.
    expect(await bus.deliver(Subjects.EventUpdated, eventMessage(eventId, new Date(first.getTime() + 60000), 1))).toBe(true);

    expect((await Payout.findOne({ orderId: order.id }))!.toObject()).toMatchObject({ releaseAt: new Date(moved.getTime() + HOLD_MS), eventVersion: 2 });
    expect((await Payout.findById(paid.id))!.releaseAt).toEqual(paid.releaseAt);
  });
});

describe('the release', () => {
  it('pays a due payout of a seller with an account with one transfer: cents, the order’s transfer_group, the account, a key per payout', async () => {
    const payout = await createPayout({ amount: 59.97 });
    await createSellerAccount(payout.sellerId, 'acct_seller1');
    await createPayout({ sellerId: payout.sellerId, releaseAt: new Date(Date.now() + 60000) }); // not due

    expect(await releasePayouts(stripe)).toEqual({ paid: 1, waiting: 0 });
    expect(transfers()).toHaveLength(1);
    const [sent] = transfers();
    expect(Object.fromEntries(sent.params)).toMatchObject({
      amount: '5997',
      currency: 'usd',
      destination: 'acct_seller1',
      transfer_group: payout.orderId,
      'metadata[payoutId]': payout.id,
    });
    expect(sent.headers['idempotency-key']).toBe(transferKeyFor(payout.id, 0));
    const paid = await Payout.findById(payout.id);
    expect(paid).toMatchObject({ status: PayoutStatus.Paid, transferId: expect.stringMatching(/^tr_/) });
    expect(paid!.claimedAt).toBeUndefined();
    // payout:paid is staged with the transfer's record: the seller is told, in cents.
    expect(paid!.outbox.map((e) => [e.subject, e.data])).toEqual([
      [Subjects.PayoutPaid, { id: payout.id, sellerId: payout.sellerId, orderId: payout.orderId, amount: 5997 }],
    ]);

    // Runs after it (the next interval, another replica) change nothing.
    expect(await releasePayouts(stripe)).toEqual({ paid: 0, waiting: 0 });
    expect(transfers()).toHaveLength(1);
  });

  it('pays once when many runs meet on the same payouts at once', async () => {
    const sellerId = newId();
    await createSellerAccount(sellerId);
    const payouts = await Promise.all([1, 2, 3].map(() => createPayout({ sellerId })));
    const runs = await Promise.all(Array.from({ length: 6 }, () => releasePayouts(stripe)));
    expect(runs.reduce((sum, r) => sum + r.paid, 0)).toBe(3);
    expect(transfers()).toHaveLength(3);
    expect(new Set(transfers().map((r) => r.headers['idempotency-key']))).toEqual(new Set(payouts.map((p) => transferKeyFor(p.id, 0))));
    expect(await Payout.countDocuments({ sellerId, status: PayoutStatus.Paid })).toBe(3);
    // One payout:paid per payout, however many runs met.
    for (const p of await Payout.find({ sellerId })) expect(p.outbox.filter((e) => e.subject === Subjects.PayoutPaid)).toHaveLength(1);
  });

  it('keeps a seller without an account waiting, and pays once the account is added', async () => {
    const payout = await createPayout();
    expect(await releasePayouts(stripe)).toEqual({ paid: 0, waiting: 1 });
    expect((await Payout.findById(payout.id))!.status).toBe(PayoutStatus.Pending);
    expect(transfers()).toHaveLength(0);
    await createSellerAccount(payout.sellerId);
    expect(await releasePayouts(stripe)).toEqual({ paid: 1, waiting: 0 });
    expect((await Payout.findById(payout.id))!.status).toBe(PayoutStatus.Paid);
  });

  it('after a release died between Stripe’s answer and the record, takes the lapsed claim over and replays the same key', async () => {
    const payout = await createPayout({ amount: 25 });
    await createSellerAccount(payout.sellerId);
    // Stripe made the transfer; the answer never reached the process (as if it died there).
    http.during('POST', '/v1/transfers', async () => {
      throw new Error('connection reset');
    });
    expect(await releasePayouts(stripe)).toEqual({ paid: 0, waiting: 0 });
    expect(await Payout.findById(payout.id)).toMatchObject({ status: PayoutStatus.Releasing });
    // While the claim holds, no other run touches it.
    expect(await releasePayouts(stripe)).toEqual({ paid: 0, waiting: 0 });
    expect(transfers()).toHaveLength(1);

    const later = new Date(Date.now() + LEASE_MS + 1000);
    expect(await releasePayouts(stripe, DEFAULT_PAYOUT_SETTINGS, later)).toEqual({ paid: 1, waiting: 0 });
    expect(transfers().map((r) => r.headers['idempotency-key'])).toEqual([transferKeyFor(payout.id, 0), transferKeyFor(payout.id, 0)]);
    expect(await Payout.findById(payout.id)).toMatchObject({ status: PayoutStatus.Paid });
  });

  it('puts a transfer Stripe refused back to pending, and tries again under the next key', async () => {
    const payout = await createPayout();
    await createSellerAccount(payout.sellerId);
    http.answer('POST', '/v1/transfers', 400, invalidRequest('Your destination account needs to have at least one of the following capabilities enabled: transfers'));
    expect(await releasePayouts(stripe)).toEqual({ paid: 0, waiting: 0 });
    expect(await Payout.findById(payout.id)).toMatchObject({ status: PayoutStatus.Pending, refusals: 1 });
    expect(await releasePayouts(stripe)).toEqual({ paid: 1, waiting: 0 });
    expect(transfers().map((r) => r.headers['idempotency-key'])).toEqual([transferKeyFor(payout.id, 0), transferKeyFor(payout.id, 1)]);
  });
});

describe('cancelPayoutsOfEvent', () => {
  it('cancels the event’s pending payouts and reverses its paid ones, once however often it is called', async () => {
    const eventId = newId();
    const pending = await createPayout({ eventId, releaseAt: new Date(Date.now() + 60000) });
    const paid = await createPayout({ eventId });
    await createSellerAccount(paid.sellerId);
    await releasePayouts(stripe);
    const transferId = (await Payout.findById(paid.id))!.transferId!;
    const other = await createPayout({ releaseAt: new Date(Date.now() + 60000) });

    expect(await cancelPayoutsOfEvent(stripe, eventId)).toEqual({ cancelled: 1, reversed: 1 });
    expect(await cancelPayoutsOfEvent(stripe, eventId)).toEqual({ cancelled: 0, reversed: 0 });

    expect((await Payout.findById(pending.id))!.status).toBe(PayoutStatus.Cancelled);
    expect(await Payout.findById(paid.id)).toMatchObject({ status: PayoutStatus.Reversed, transferId, reversalId: expect.stringMatching(/^trr_/) });
    expect((await Payout.findById(other.id))!.status).toBe(PayoutStatus.Pending);
    expect(reversals()).toHaveLength(1);
    expect(reversals()[0].path).toBe(`/v1/transfers/${transferId}/reversals`);
    expect(reversals()[0].headers['idempotency-key']).toBe(reversalKeyFor(paid.id));
    // A cancelled payout is never released (the other event's payout waits for its seller's account).
    expect(await releasePayouts(stripe, DEFAULT_PAYOUT_SETTINGS, new Date(Date.now() + 120000))).toEqual({ paid: 0, waiting: 1 });
    expect(transfers()).toHaveLength(1);
  });

  it('cancels a payout created after the event’s cancellation was handled', async () => {
    const event = await createEvent(new Date(Date.now() + 3600 * 1000));
    await cancelPayoutsOfEvent(stripe, event.id);
    const order = await createSellerOrder({ price: 10, eventId: event.id });
    expect(await bus.deliver(Subjects.PaymentCreated, paymentCreated(order.id))).toBe(true);
    expect((await Payout.findOne({ orderId: order.id }))!.status).toBe(PayoutStatus.Cancelled);
  });

  it('reverses what a release in flight during the cancellation paid', async () => {
    const eventId = newId();
    const payout = await createPayout({ eventId });
    await createSellerAccount(payout.sellerId);
    let during: unknown;
    http.during('POST', '/v1/transfers', async () => {
      during = await cancelPayoutsOfEvent(stripe, eventId);
    });
    await releasePayouts(stripe);
    // The cancellation found it claimed and left it to the release, which reversed it once recorded.
    expect(during).toEqual({ cancelled: 0, reversed: 0 });
    expect(await Payout.findById(payout.id)).toMatchObject({ status: PayoutStatus.Reversed });
    expect(transfers()).toHaveLength(1);
    expect(reversals()).toHaveLength(1);
  });

  it('throws while Stripe refuses the reversal; the release run (or a redelivery) finishes it', async () => {
    const eventId = newId();
    const payout = await createPayout({ eventId });
    await createSellerAccount(payout.sellerId);
    await releasePayouts(stripe);
    http.answer('POST', /\/reversals$/, 500, apiError());
    await expect(cancelPayoutsOfEvent(stripe, eventId)).rejects.toThrow();
    expect(await Payout.findById(payout.id)).toMatchObject({ status: PayoutStatus.Paid, cancelRequested: true });
    await releasePayouts(stripe);
    expect(await Payout.findById(payout.id)).toMatchObject({ status: PayoutStatus.Reversed });
    expect(reversals().map((r) => r.headers['idempotency-key'])).toEqual([reversalKeyFor(payout.id), reversalKeyFor(payout.id)]);
  });
});

