import {
  BadRequestError,
  logger,
  NotAuthorizedError,
  NotFoundError,
  awaitReplica,
  OrderStatus,
  PaymentDeclinedError,
  pushEvent,
  SimpleError,
  Subjects,
} from '@ticketing/common';
import Stripe from 'stripe';
import { isDuplicateKey } from '../models/errors';
import { Order, OrderDoc } from '../models/order';
import { Payment, PaymentDoc, PaymentStatus } from '../models/payment';
import { STRIPE_TIMEOUT_MS } from '../stripe';
import { chargeableCents } from './amount';
import { refundPayment } from './refunds';

export const CANCELLED = 'Cannot pay for a cancelled order';
export const ALREADY_PAID = 'Order has already been paid';
export const EXPIRED = 'Order has expired';
export const UNCHARGEABLE = 'Order amount cannot be charged';
export const STILL_PROCESSING = 'A payment for this order is still being processed; please try again later';
const DECLINED = 'Your card was declined.';

/**
 * An attempt for the order is in flight and its outcome is not known yet
 * (Stripe slow or unreachable): a condition on our side, not the buyer's
 * mistake, and one that passes (HTTP 503).
 */
export class PaymentPendingError extends SimpleError {
  statusCode = 503;
  constructor() {
    super(STILL_PROCESSING);
  }
}

/**
 * The Stripe idempotency key of a charge attempt: the order, and how many of
 * its attempts are recorded as failed. The attempt is claimed in the database
 * under this key before Stripe is called, so one order has at most one
 * attempt in flight; a replay of an attempt (a retry after an unknown
 * outcome) sends the same key and parameters, and Stripe answers with the
 * first outcome instead of charging again. The key moves on only once an
 * attempt is recorded as failed: after a decline the buyer can try another
 * card.
 */
export const attemptKeyFor = (orderId: string, failedAttempts: number) => `payment-${orderId}-${failedAttempts}`;

/** Stripe refusals a buyer can act on (bad or used token, amount out of range): 400 with Stripe's message. */
const BUYER_FIXABLE_CODES = new Set(['token_already_used', 'resource_missing', 'amount_too_small', 'amount_too_large']);

/** What Stripe made of an attempt. */
export type ChargeOutcome =
  | { result: 'charged'; charge: Stripe.Charge }
  /** Definitely nothing charged under this key; `error` is the answer for the buyer. */
  | { result: 'refused'; message: string; chargeId?: string; error: unknown }
  /** No answer we can trust (network, Stripe 5xx): the attempt stays pending, to be replayed. */
  | { result: 'unknown'; error: unknown };

function classify(err: unknown): ChargeOutcome {
  if (err instanceof Stripe.errors.StripeCardError) {
    const message = err.message || DECLINED;
    return { result: 'refused', message, chargeId: err.charge, error: new PaymentDeclinedError(message) };
  }
  if (err instanceof Stripe.errors.StripeInvalidRequestError) {
    const buyerFixable = err.param === 'source' || err.param === 'amount' || BUYER_FIXABLE_CODES.has(err.code ?? '');
    return { result: 'refused', message: err.message, error: buyerFixable ? new BadRequestError(err.message) : err };
  }
  if (err instanceof Stripe.errors.StripeIdempotencyError) {
    // Stripe holds this key with other parameters: what that request did is unknown, so the
    // key is not given up (giving it up could charge twice); the attempt stays pending.
    return { result: 'unknown', error: new PaymentPendingError() };
  }
  if (
    err instanceof Stripe.errors.StripeAuthenticationError ||
    err instanceof Stripe.errors.StripePermissionError ||
    err instanceof Stripe.errors.StripeRateLimitError
  ) {
    // Refused before anything ran: a fault on our side, not the buyer's (500), but a definite one.
    return { result: 'refused', message: err.message, error: err };
  }
  return { result: 'unknown', error: err };
}

/** Sends (or replays) a pending attempt's charge to Stripe, under the attempt's key. */
export async function chargeAttempt(stripe: Stripe, attempt: PaymentDoc): Promise<ChargeOutcome> {
  try {
    const charge = await stripe.charges.create(
      {
        amount: attempt.amount,
        currency: 'usd',
        source: attempt.token,
        description: `Ticketing order ${attempt.orderId}`,
        metadata: { orderId: attempt.orderId },
      },
      { idempotencyKey: attempt.attemptKey },
    );
    if (charge.status === 'failed') {
      const message = charge.failure_message || DECLINED;
      return { result: 'refused', message, chargeId: charge.id, error: new PaymentDeclinedError(message) };
    }
    return { result: 'charged', charge };
  } catch (err) {
    return classify(err);
  }
}

export interface Settlement {
  /** The attempt as recorded (still pending when the outcome is unknown). */
  payment: PaymentDoc;
  /** Charged, but the order was cancelled meanwhile: refunded (or the refund is due). */
  refundedForCancelledOrder?: boolean;
}

/**
 * Records an attempt's outcome. A charge becomes a succeeded Payment and
 * stages payment:created in the same write; then, if the order was cancelled
 * while the charge was in flight (after the order:cancelled listener looked
 * for a payment to refund), the payment is refunded here.
 */
export async function settleAttempt(stripe: Stripe, attempt: PaymentDoc, outcome: ChargeOutcome): Promise<Settlement> {
  if (outcome.result === 'unknown') return { payment: attempt };
  if (outcome.result === 'refused') {
    const settled = await Payment.findOneAndUpdate(
      { _id: attempt._id, status: PaymentStatus.Pending },
      {
        $set: { status: PaymentStatus.Failed, failureMessage: outcome.message, ...(outcome.chargeId ? { stripeId: outcome.chargeId } : {}) },
        $unset: { token: 1 },
      },
      { new: true },
    );
    return { payment: settled ?? (await Payment.findById(attempt._id))! };
  }

  const { charge } = outcome;
  const settled = await Payment.findOneAndUpdate(
    { _id: attempt._id, status: PaymentStatus.Pending },
    {
      $set: { status: PaymentStatus.Succeeded, stripeId: charge.id },
      $unset: { token: 1 },
      ...pushEvent(Subjects.PaymentCreated, { id: attempt.id, orderId: attempt.orderId, stripeId: charge.id }),
    },
    { new: true },
  );
  // Null: a replay of the same key settled it first; that record stands.
  const payment = settled ?? (await Payment.findById(attempt._id))!;

  const order = await Order.findById(attempt.orderId);
  if (order?.status === OrderStatus.Cancelled) {
    try {
      await refundPayment(stripe, payment);
    } catch (err) {
      // Recorded as due: the reconciler retries it.
      logger.error({ err, paymentId: payment.id, orderId: payment.orderId }, 'refund for a cancelled order failed; will retry');
    }
    return { payment: (await Payment.findById(payment._id))!, refundedForCancelledOrder: true };
  }
  return { payment };
}

/** Why an order that has no successful payment cannot be paid now; undefined when it can. */
function unpayableReason(order: OrderDoc, now = Date.now()): string | undefined {
  // Expired first: the expiration service cancels an order within moments of
  // its expiresAt, and the buyer should learn that time ran out.
  if (order.expiresAt.getTime() <= now) return EXPIRED;
  if (order.status === OrderStatus.Cancelled) return CANCELLED;
  return undefined;
}

/**
 * The request's checks, in the contract's order: unknown order 404, someone
 * else's 401, paid 400, expired 400, cancelled 400, an amount Stripe cannot
 * charge 400. Resolves with the amount to charge, in cents.
 */
async function payableAmount(orderId: string, userId: string): Promise<number> {
  // The order may be a few ms behind its order:created event.
  const order = await awaitReplica(() => Order.findById(orderId).exec());
  if (!order) throw new NotFoundError();
  if (order.userId !== userId) throw new NotAuthorizedError();
  if (await Payment.exists({ orderId, status: PaymentStatus.Succeeded })) throw new BadRequestError(ALREADY_PAID);
  const reason = unpayableReason(order);
  if (reason) throw new BadRequestError(reason);
  const amount = chargeableCents(order.price);
  if (amount === undefined) throw new BadRequestError(UNCHARGEABLE);
  return amount;
}

/** Claims the order's next attempt key; or names the key another attempt holds. */
async function claimAttempt(orderId: string, amount: number, token: string): Promise<{ attempt: PaymentDoc } | { heldKey: string }> {
  const failedAttempts = await Payment.countDocuments({ orderId, status: PaymentStatus.Failed });
  const attemptKey = attemptKeyFor(orderId, failedAttempts);
  try {
    return { attempt: await Payment.build({ orderId, attemptKey, amount, status: PaymentStatus.Pending, token }).save() };
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  // Someone holds this key: a concurrent request (or one that died mid-way, which the reconciler settles).
  return { heldKey: attemptKey };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls the attempt under a key until it is no longer pending; false if it still is at the deadline. */
async function waitWhilePending(attemptKey: string, deadline: number, pollIntervalMs: number): Promise<boolean> {
  for (;;) {
    const holder = await Payment.findOne({ attemptKey }).select('status').lean();
    if (holder?.status !== PaymentStatus.Pending) return true;
    const left = deadline - Date.now();
    if (left <= 0) return false;
    await sleep(Math.min(pollIntervalMs, left));
  }
}

export interface PayOrderOptions {
  /**
   * How long a request waits for another attempt on the order to settle
   * before it answers 503: a few seconds more than one Stripe call may take.
   */
  attemptWaitMs: number;
  /** How often a waiting request reads the attempt. */
  pollIntervalMs: number;
}

export const DEFAULT_PAY_ORDER_OPTIONS: PayOrderOptions = { attemptWaitMs: STRIPE_TIMEOUT_MS + 5000, pollIntervalMs: 50 };

export interface PayOrderInput {
  orderId: string;
  token: string;
  userId: string;
}

/**
 * POST /api/payments: charges the buyer for an order through Stripe.
 *
 * One attempt per order is in flight at a time (the unique attempt key). A
 * request that finds one waits for it to settle and then answers as if it had
 * arrived after it: paid → 400 `Order has already been paid`; declined → it
 * makes its own attempt under the next key; still pending after the wait
 * (Stripe unreachable) → 503.
 */
export async function payOrder(
  stripe: Stripe,
  { orderId, token, userId }: PayOrderInput,
  options: PayOrderOptions = DEFAULT_PAY_ORDER_OPTIONS,
): Promise<PaymentDoc> {
  const deadline = Date.now() + options.attemptWaitMs;
  let attempt: PaymentDoc | undefined;
  let previousKey: string | undefined;
  while (!attempt) {
    const amount = await payableAmount(orderId, userId);
    const claim = await claimAttempt(orderId, amount, token);
    if ('attempt' in claim) {
      attempt = claim.attempt;
      break;
    }
    if (claim.heldKey === previousKey) {
      // The attempt under this key settled, yet the key did not move on: do not spin.
      if (Date.now() >= deadline) throw new PaymentPendingError();
      await sleep(options.pollIntervalMs);
    }
    previousKey = claim.heldKey;
    if (!(await waitWhilePending(claim.heldKey, deadline, options.pollIntervalMs))) throw new PaymentPendingError();
    // Settled: check the order again, as a request arriving now would.
  }

  const outcome = await chargeAttempt(stripe, attempt);
  const { payment, refundedForCancelledOrder } = await settleAttempt(stripe, attempt, outcome);
  if (outcome.result !== 'charged') throw outcome.error;
  if (refundedForCancelledOrder || payment.status === PaymentStatus.Refunded) {
    const order = await Order.findById(orderId);
    throw new BadRequestError((order && unpayableReason(order)) || CANCELLED);
  }
  return payment;
}
