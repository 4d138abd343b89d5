import { applyEventToReplica, audit, EventData, isDuplicateKey, logger, NotYetError, OrderStatus, Subjects } from '@ticketing/common';
import Stripe from 'stripe';
import { isCancelledEvent, rememberCancelledEvent } from '../data/cancelled-event';
import { Event } from '../data/event';
import { Order } from '../data/order';
import { Payout, PayoutDoc, PayoutStatus } from '../data/payout';
import { SellerAccount } from '../data/seller-account';
import { toCents } from './amount';

/** What payouts need of the config (PAYOUT_*), with the defaults config.ts gives. */
export interface PayoutSettings {
  holdSeconds: number;
  claimLeaseMs: number;
}

export const DEFAULT_PAYOUT_SETTINGS: PayoutSettings = { holdSeconds: 432000, claimLeaseMs: 120000 };

/**
 * The idempotency key of a payout's transfer: the payout, and how many of its
 * transfers Stripe definitely refused. A release that died after Stripe
 * answered is taken over under the same key, and Stripe answers with the
 * first transfer instead of making a second; the key moves on only once a
 * refusal is recorded.
 */
export const transferKeyFor = (payoutId: string, refusals: number) => `payout-${payoutId}-${refusals}`;
/** One reversal per payout, however often it is attempted. */
export const reversalKeyFor = (payoutId: string) => `payout-reversal-${payoutId}`;
/** One Connect account per seller, even when two first requests reach Stripe at once. */
export const accountKeyFor = (userId: string) => `seller-account-${userId}`;

const releaseAtOf = (from: Date, holdSeconds: number) => new Date(from.getTime() + holdSeconds * 1000);

// ---------------------------------------------------------------------------
// Seller accounts

export interface SellerAccountAnswer {
  /** True for the request that stored the seller's account. */
  created: boolean;
  accountId: string;
  onboardingUrl: string;
}

/**
 * POST /api/payouts/account: the caller's Stripe Connect Express account,
 * created the first time under an idempotency key per seller (concurrent
 * first requests get one account at Stripe), stored under the seller's id
 * (the unique `_id` picks the one that created it), and a fresh onboarding
 * link (links are single-use and short-lived).
 */
export async function openSellerAccount(stripe: Stripe, userId: string, returnUrl: string): Promise<SellerAccountAnswer> {
  let stored = await SellerAccount.findById(userId).lean();
  let created = false;
  if (!stored) {
    const account = await stripe.accounts.create(
      { type: 'express', capabilities: { transfers: { requested: true } }, metadata: { userId } },
      { idempotencyKey: accountKeyFor(userId) },
    );
    try {
      await SellerAccount.create({ _id: userId, accountId: account.id, createdAt: new Date() });
      created = true;
      audit('payout.account-created', { userId, accountId: account.id });
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
    stored = await SellerAccount.findById(userId).lean();
    if (!stored) throw new Error(`the payout account of ${userId} disappeared`);
  }
  const link = await stripe.accountLinks.create({
    account: stored.accountId,
    type: 'account_onboarding',
    refresh_url: returnUrl,
    return_url: returnUrl,
  });
  return { created, accountId: stored.accountId, onboardingUrl: link.url };
}

/** GET /api/payouts/account: the caller's account id, or null before they set one up (no Stripe call: a link is made on POST). */
export async function sellerAccountOf(userId: string): Promise<string | null> {
  const stored = await SellerAccount.findById(userId).lean();
  return stored?.accountId ?? null;
}

/** GET /api/payouts: the seller's payouts, newest first. */
export function payoutsOfSeller(sellerId: string): Promise<PayoutDoc[]> {
  return Payout.find({ sellerId }).sort({ createdAt: -1, _id: -1 }).exec();
}

// ---------------------------------------------------------------------------
// One payout per paid order

/**
 * payment:created — the order's payout, once however often it is delivered
 * (the unique orderId). `amount = unitPrice × quantity` in cents, so no
 * binary fraction creeps in; released at the event's start plus the hold, or
 * the payment's time plus the hold without an event. After it is stored,
 * what may have happened meanwhile is read again (write, then read: a
 * cancellation handled before the payout existed is seen here, one handled
 * after sees the payout): the order cancelled (its payment refunded), the
 * event cancelled, the event moved.
 */
export async function addPayoutForPayment(
  stripe: Stripe,
  data: EventData<Subjects.PaymentCreated>,
  paidAt: Date,
  settings: PayoutSettings = DEFAULT_PAYOUT_SETTINGS,
): Promise<PayoutDoc | null> {
  const order = await Order.findById(data.orderId).lean();
  if (!order) throw new NotYetError('payment:created ahead of its order', { orderId: data.orderId });
  if (!order.sellerId || !order.ticketId) {
    // A version-1 order names no seller: nobody to pay.
    logger.warn({ orderId: data.orderId }, 'paid order without a seller (version 1): no payout');
    return null;
  }
  if (order.status === OrderStatus.Cancelled) return null; // the payment is refunded (domain/charges.ts)

  let releaseAt = releaseAtOf(paidAt, settings.holdSeconds);
  let eventVersion: number | undefined;
  if (order.eventId) {
    const event = await Event.findById(order.eventId).lean();
    if (!event) throw new NotYetError('payment:created ahead of its event', { orderId: data.orderId, eventId: order.eventId });
    releaseAt = releaseAtOf(event.startsAt, settings.holdSeconds);
    eventVersion = event.version;
  }
  const cents = toCents(order.price) * (order.quantity ?? 1);
  try {
    await Payout.create({
      orderId: data.orderId,
      ticketId: order.ticketId,
      sellerId: order.sellerId,
      ...(order.eventId ? { eventId: order.eventId, eventVersion } : {}),
      amount: cents / 100,
      status: PayoutStatus.Pending,
      releaseAt,
    });
  } catch (err) {
    // A redelivery: stored already; its checks below run again (the first may have stopped before them).
    if (!isDuplicateKey(err)) throw err;
  }
  let payout = await Payout.findOne({ orderId: data.orderId });
  if (!payout) throw new Error(`the payout of order ${data.orderId} disappeared`);

  const [orderNow, cancelled] = await Promise.all([
    Order.findById(data.orderId).select('status').lean(),
    payout.eventId ? isCancelledEvent(payout.eventId) : false,
  ]);
  if (orderNow?.status === OrderStatus.Cancelled) await cancelPayoutOfOrder(data.orderId);
  if (cancelled) {
    await Payout.updateOne({ _id: payout._id }, { $set: { cancelRequested: true } });
    await settleCancellation(stripe, payout.id);
  }
  if (payout.eventId) await moveReleaseOfEvent(payout.eventId, settings);
  payout = await Payout.findById(payout._id);
  return payout;
}

/**
 * order:cancelled after the order was paid (the race with expiration: the
 * payment is refunded): its pending payout is cancelled. The replica is
 * marked cancelled before this runs, and a payout stored later reads it
 * (addPayoutForPayment), so one of the two always sees the other.
 */
export async function cancelPayoutOfOrder(orderId: string): Promise<void> {
  const cancelled = await Payout.findOneAndUpdate({ orderId, status: PayoutStatus.Pending }, { $set: { status: PayoutStatus.Cancelled } });
  if (cancelled) audit('payout.cancelled', { payoutId: cancelled.id, orderId });
}

// ---------------------------------------------------------------------------
// The events replica, and when an event's payouts are released

/**
 * event:created / event:updated — the replica keeps the newest version;
 * then the event's pending payouts follow its startsAt, each only from an
 * older event version than the replica's (two updates handled at once never
 * leave the older time).
 */
export async function applyEvent(
  data: EventData<Subjects.EventCreated | Subjects.EventUpdated>,
  settings: PayoutSettings = DEFAULT_PAYOUT_SETTINGS,
): Promise<void> {
  await applyEventToReplica(Event, data);
  await moveReleaseOfEvent(data.id, settings);
}

async function moveReleaseOfEvent(eventId: string, settings: PayoutSettings): Promise<void> {
  const event = await Event.findById(eventId).lean();
  if (!event) return;
  await Payout.updateMany(
    { eventId, status: PayoutStatus.Pending, eventVersion: { $lt: event.version } },
    { $set: { releaseAt: releaseAtOf(event.startsAt, settings.holdSeconds), eventVersion: event.version } },
  );
}

// ---------------------------------------------------------------------------
// Cancellation

export interface CancelOutcome {
  cancelled: number;
  reversed: number;
}

/**
 * An event was cancelled: its pending payouts become `cancelled`, its paid
 * ones `reversed` (a transfer reversal under one key per payout). The
 * decision is stored first (CancelledEvent, and `cancelRequested` on each
 * payout): a payout created later cancels itself, a release in flight
 * reverses what it paid, and the releaser retries a reversal Stripe could
 * not take now. Throws while a reversal fails (the listener is redelivered);
 * calling it again changes nothing more.
 */
export async function cancelPayoutsOfEvent(stripe: Stripe, eventId: string): Promise<CancelOutcome> {
  await rememberCancelledEvent(eventId);
  await Payout.updateMany({ eventId, cancelRequested: { $ne: true } }, { $set: { cancelRequested: true } });
  const payouts = await Payout.find({ eventId, status: { $in: [PayoutStatus.Pending, PayoutStatus.Paid] } });
  const outcome: CancelOutcome = { cancelled: 0, reversed: 0 };
  for (const payout of payouts) {
    const result = await settleCancellation(stripe, payout.id);
    if (result) outcome[result] += 1;
  }
  return outcome;
}

/**
 * A payout whose event is cancelled: pending → cancelled; paid → reversed;
 * a release in flight is left to its releaser, which reverses after it
 * records the transfer. Every move is conditional on the status read.
 */
async function settleCancellation(stripe: Stripe, payoutId: string): Promise<'cancelled' | 'reversed' | undefined> {
  const cancelled = await Payout.findOneAndUpdate(
    { _id: payoutId, status: PayoutStatus.Pending },
    { $set: { status: PayoutStatus.Cancelled }, $unset: { claimedAt: 1 } },
    { new: true },
  );
  if (cancelled) {
    audit('payout.cancelled', { payoutId, orderId: cancelled.orderId, eventId: cancelled.eventId });
    return 'cancelled';
  }
  const now = await Payout.findById(payoutId);
  if (now?.status === PayoutStatus.Paid) return (await reversePayout(stripe, now)) ? 'reversed' : undefined;
  return undefined;
}

/** Takes a paid payout back (a full transfer reversal); true for the call that recorded it. */
async function reversePayout(stripe: Stripe, payout: PayoutDoc): Promise<boolean> {
  const reversal = await stripe.transfers.createReversal(
    payout.transferId!,
    { metadata: { payoutId: payout.id, orderId: payout.orderId } },
    { idempotencyKey: reversalKeyFor(payout.id) },
  );
  const recorded = await Payout.updateOne(
    { _id: payout._id, status: PayoutStatus.Paid },
    { $set: { status: PayoutStatus.Reversed, reversalId: reversal.id } },
  );
  if (recorded.modifiedCount !== 1) return false;
  audit('payout.reversed', { payoutId: payout.id, orderId: payout.orderId, transferId: payout.transferId, reversalId: reversal.id });
  return true;
}

// ---------------------------------------------------------------------------
// The release

export interface ReleaseOutcome {
  /** Transfers recorded by this run. */
  paid: number;
  /** Due, but the seller has no account yet. */
  waiting: number;
}

/** Stripe said no for certain (nothing was transferred under that key): the payout goes back to pending under the next key. */
const isDefiniteRefusal = (err: unknown) =>
  err instanceof Stripe.errors.StripeInvalidRequestError ||
  err instanceof Stripe.errors.StripePermissionError ||
  err instanceof Stripe.errors.StripeAuthenticationError;

/**
 * One run of the release (entry-points/jobs/payout-releaser.ts runs it every
 * PAYOUT_RELEASE_INTERVAL_MS, on every replica): every pending payout whose
 * releaseAt has come and whose seller has an account, and every claim that
 * lapsed (a release that died), gets its transfer, exactly once however many
 * runs meet on it. Then cancellations left half-done are finished.
 */
export async function releasePayouts(
  stripe: Stripe,
  settings: PayoutSettings = DEFAULT_PAYOUT_SETTINGS,
  now = new Date(),
  batchSize = 100,
): Promise<ReleaseOutcome> {
  const lapsed = new Date(now.getTime() - settings.claimLeaseMs);
  const [due, stale] = await Promise.all([
    Payout.find({ status: PayoutStatus.Pending, releaseAt: { $lte: now }, cancelRequested: { $ne: true } }).sort({ releaseAt: 1 }).limit(batchSize),
    Payout.find({ status: PayoutStatus.Releasing, claimedAt: { $lt: lapsed } }).limit(batchSize),
  ]);
  const candidates = [...due, ...stale];
  const sellers = [...new Set(candidates.map((p) => p.sellerId))];
  const accounts = new Map((await SellerAccount.find({ _id: { $in: sellers } }).lean()).map((a) => [a._id, a.accountId]));
  const outcome: ReleaseOutcome = { paid: 0, waiting: 0 };
  for (const payout of candidates) {
    const account = accounts.get(payout.sellerId);
    if (!account) {
      outcome.waiting += 1;
      continue;
    }
    try {
      if (await releasePayout(stripe, payout, account, now, lapsed)) outcome.paid += 1;
    } catch (err) {
      logger.warn({ err, payoutId: payout.id, orderId: payout.orderId }, 'payout release failed; will retry');
    }
  }
  await finishCancellations(stripe, batchSize);
  return outcome;
}

/**
 * Claims the payout (a conditional write: pending and due, or a lapsed
 * claim), sends its transfer under its idempotency key, and records it
 * (only from releasing). True when this call recorded the transfer.
 */
async function releasePayout(stripe: Stripe, payout: PayoutDoc, account: string, now: Date, lapsed: Date): Promise<boolean> {
  const claimed = await Payout.findOneAndUpdate(
    payout.status === PayoutStatus.Releasing
      ? { _id: payout._id, status: PayoutStatus.Releasing, claimedAt: { $lt: lapsed } }
      : { _id: payout._id, status: PayoutStatus.Pending, releaseAt: { $lte: now }, cancelRequested: { $ne: true } },
    { $set: { status: PayoutStatus.Releasing, claimedAt: now } },
    { new: true },
  );
  if (!claimed) return false; // another run holds it, or it moved on
  let transfer: Stripe.Transfer;
  try {
    transfer = await stripe.transfers.create(
      {
        amount: toCents(claimed.amount),
        currency: 'usd',
        destination: account,
        transfer_group: claimed.orderId,
        description: `Ticketing payout for order ${claimed.orderId}`,
        metadata: { payoutId: claimed.id, orderId: claimed.orderId, ticketId: claimed.ticketId },
      },
      { idempotencyKey: transferKeyFor(claimed.id, claimed.refusals) },
    );
  } catch (err) {
    if (!isDefiniteRefusal(err)) throw err; // unknown outcome: the claim lapses and the same key is replayed
    logger.warn({ err, payoutId: claimed.id, orderId: claimed.orderId }, 'Stripe refused the payout transfer; it stays pending');
    await Payout.updateOne(
      { _id: claimed._id, status: PayoutStatus.Releasing, claimedAt: now },
      { $set: { status: PayoutStatus.Pending }, $unset: { claimedAt: 1 }, $inc: { refusals: 1 } },
    );
    return false;
  }
  const recorded = await Payout.findOneAndUpdate(
    { _id: claimed._id, status: PayoutStatus.Releasing },
    { $set: { status: PayoutStatus.Paid, transferId: transfer.id, paidAt: new Date() }, $unset: { claimedAt: 1 } },
    { new: true },
  );
  if (!recorded) return false; // a run that took the claim over recorded the same transfer
  audit('payout.paid', { payoutId: recorded.id, orderId: recorded.orderId, transferId: transfer.id, amount: recorded.amount });
  // The event was cancelled while the transfer was in flight: take it back.
  if (recorded.cancelRequested) await reversePayout(stripe, recorded);
  return true;
}

/** Cancellations a crash or a Stripe error left half-done: pending ones to cancel, paid ones to reverse. */
async function finishCancellations(stripe: Stripe, batchSize: number): Promise<void> {
  const left = await Payout.find({ cancelRequested: true, status: { $in: [PayoutStatus.Pending, PayoutStatus.Paid] } }).limit(batchSize);
  for (const payout of left) {
    try {
      await settleCancellation(stripe, payout.id);
    } catch (err) {
      logger.warn({ err, payoutId: payout.id, orderId: payout.orderId }, 'payout reversal failed; will retry');
    }
  }
}
