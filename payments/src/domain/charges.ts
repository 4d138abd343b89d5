import mongoose from 'mongoose';
import {
  BadRequestError,
  ContinuedTrace,
  isDuplicateKey,
  logger,
  NotAuthorizedError,
  NotFoundError,
  awaitReplica,
  OrderStatus,
  PaymentDeclinedError,
  saveWithEvent,
  SimpleError,
  Subjects,
} from '@ticketing/common';
import Stripe from 'stripe';
import { KeptPayment } from '../data/kept-payment';
import { amountDue, Order, OrderDoc } from '../data/order';
import { Payment, PaymentDoc, PaymentStatus, RefundReason } from '../data/payment';
import { STRIPE_TIMEOUT_MS } from '../data/stripe';
import { chargeableCents } from './amount';
import { orderEventCancelled } from './guarantee';
import { paymentsOf } from './order-payments';
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
const BUYER_FIXABLE_PARAMS = new Set(['source', 'amount', 'payment_method', 'card[token]']);

/** What Stripe made of an attempt's PaymentIntent. */
export type AttemptOutcome =
  | { result: 'succeeded'; intent: Stripe.PaymentIntent }
  /**
   * Confirmed, but not finished: the customer must authenticate (3-D Secure,
   * `requires_action`) or the payment is `processing`. The attempt stays
   * pending; the webhook (or the reconciler) records how it ends.
   */
  | { result: 'in_progress'; intent: Stripe.PaymentIntent }
  /** Definitely nothing charged under this key; `error` is the answer for the buyer. */
  | { result: 'refused'; message: string; intentId?: string; error: unknown }
  /** No answer we can trust (network, Stripe 5xx): the attempt stays pending, to be replayed. */
  | { result: 'unknown'; error: unknown };

function classify(err: unknown): AttemptOutcome {
  if (err instanceof Stripe.errors.StripeCardError) {
    const message = err.message || DECLINED;
    return { result: 'refused', message, intentId: err.payment_intent?.id, error: new PaymentDeclinedError(message) };
  }
  if (err instanceof Stripe.errors.StripeInvalidRequestError) {
    const buyerFixable = BUYER_FIXABLE_PARAMS.has(err.param ?? '') || BUYER_FIXABLE_CODES.has(err.code ?? '');
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

/** What a PaymentIntent's status says about the attempt. */
export function outcomeOfIntent(intent: Stripe.PaymentIntent): AttemptOutcome {
  switch (intent.status) {
    case 'succeeded':
      return { result: 'succeeded', intent };
    case 'requires_payment_method':
    case 'canceled': {
      // The confirm was refused (a decline comes as a 402 too; this is its other form).
      const message = intent.last_payment_error?.message || DECLINED;
      return { result: 'refused', message, intentId: intent.id, error: new PaymentDeclinedError(message) };
    }
    default:
      // requires_action, requires_confirmation, processing, requires_capture
      return { result: 'in_progress', intent };
  }
}

/** A PaymentMethod id is used as it is; a card token becomes a PaymentMethod first. */
export const isPaymentMethodId = (token: string) => token.startsWith('pm_');

/**
 * The PaymentMethod for an attempt. A card token (`tok_…`, from Stripe.js's
 * createToken or a test token) becomes a PaymentMethod through
 * `paymentMethods.create({ type: 'card', card: { token } })`: Stripe's API
 * takes `card[token]` there, not in a PaymentIntent's `payment_method_data`
 * (whose `type` has no `card`). Its own idempotency key, derived from the
 * attempt's, makes a replay return the same PaymentMethod (a token is single-use).
 */
async function paymentMethodFor(stripe: Stripe, attempt: PaymentDoc): Promise<string> {
  const token = attempt.token!;
  if (isPaymentMethodId(token)) return token;
  const method = await stripe.paymentMethods.create(
    { type: 'card', card: { token } },
    { idempotencyKey: `${attempt.attemptKey}-payment-method` },
  );
  return method.id;
}

/**
 * Creates and confirms (or replays) a pending attempt's PaymentIntent under
 * the attempt's key: integer cents, metadata naming the order and the attempt
 * (the webhook finds the attempt by them). A replay with the same key and
 * parameters gets Stripe's first answer back instead of a second charge.
 */
export async function confirmAttempt(stripe: Stripe, attempt: PaymentDoc): Promise<AttemptOutcome> {
  try {
    const paymentMethod = await paymentMethodFor(stripe, attempt);
    const intent = await stripe.paymentIntents.create(
      {
        amount: attempt.amount,
        currency: 'usd',
        payment_method: paymentMethod,
        // Card only, confirmed here: no redirect-based method (which would need a return_url).
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        confirm: true,
        description: `Ticketing order ${attempt.orderId}`,
        metadata: { orderId: attempt.orderId, attemptKey: attempt.attemptKey },
      },
      { idempotencyKey: attempt.attemptKey },
    );
    return outcomeOfIntent(intent);
  } catch (err) {
    return classify(err);
  }
}

/**
 * Where an attempt whose PaymentIntent is known stands now (the reconciler):
 * Stripe's current PaymentIntent, not a replay of the confirm.
 */
export async function currentOutcome(stripe: Stripe, attempt: PaymentDoc): Promise<AttemptOutcome> {
  if (!attempt.stripeId) return confirmAttempt(stripe, attempt);
  try {
    return outcomeOfIntent(await stripe.paymentIntents.retrieve(attempt.stripeId));
  } catch (err) {
    return classify(err);
  }
}

export interface Settlement {
  /** The attempt as recorded (still pending when the outcome is unknown or in progress). */
  payment: PaymentDoc;
  /** Charged, but the order was cancelled meanwhile: refunded (or the refund is due). */
  refundedForCancelledOrder?: boolean;
  /** Charged, but another payment of the order was kept: refunded (or the refund is due). */
  refundedAsDuplicate?: boolean;
}

/**
 * Records an attempt's outcome. Each write is conditional on the attempt
 * still being pending (the state it was read in): the route, a webhook and
 * the reconciler may settle the same attempt at once, and only the first
 * records it. Success becomes a succeeded Payment and stages payment:created
 * in the same write (see recordSucceeded).
 */
export async function settleAttempt(stripe: Stripe, attempt: PaymentDoc, outcome: AttemptOutcome, read: OrderAsRead = {}): Promise<Settlement> {
  if (outcome.result === 'unknown') return { payment: attempt };
  if (outcome.result === 'in_progress') {
    // Remember the PaymentIntent, so the webhook and the reconciler can find it.
    const updated = await Payment.findOneAndUpdate(
      { _id: attempt._id, status: PaymentStatus.Pending },
      { $set: { stripeId: outcome.intent.id } },
      { new: true },
    );
    return { payment: updated ?? (await Payment.findById(attempt._id))! };
  }
  if (outcome.result === 'refused') {
    const settled = await recordFailed(attempt, outcome.message, outcome.intentId);
    return { payment: settled };
  }
  return recordSucceeded(stripe, attempt, outcome.intent, read);
}

/** What a caller already read of the attempt's order, so it is not read again. */
export interface OrderAsRead {
  /** The order's replica as read for this attempt (its kept trace context is continued). */
  order?: OrderDoc;
}

/**
 * pending → failed, only from pending: a decline never overwrites a success
 * that was recorded first (a webhook out of order).
 */
export async function recordFailed(attempt: PaymentDoc, message: string, intentId?: string): Promise<PaymentDoc> {
  const settled = await Payment.findOneAndUpdate(
    { _id: attempt._id, status: PaymentStatus.Pending },
    {
      $set: { status: PaymentStatus.Failed, failureMessage: message, ...(intentId ? { stripeId: intentId } : {}) },
      $unset: { token: 1 },
    },
    { new: true },
  );
  return settled ?? (await Payment.findById(attempt._id))!;
}

/**
 * pending or failed → succeeded, staging payment:created in the same write,
 * so it is published once however many handlers record the success. (Failed
 * too: a PaymentIntent whose first card was declined in the browser can still
 * succeed with another.) Then the order is read again: cancelled meanwhile
 * (after the order:cancelled listener looked for a payment to refund), the
 * payment is refunded here. Otherwise the order's kept payment is decided by
 * a unique insert (KeptPayment): a success that is not kept is refunded.
 */
export async function recordSucceeded(stripe: Stripe, attempt: PaymentDoc, intent: Stripe.PaymentIntent, read: OrderAsRead = {}): Promise<Settlement> {
  // A copy: the caller's attempt keeps the state it read, whatever this write does.
  let payment: PaymentDoc | null = Payment.hydrate(attempt.toObject());
  // payment:created continues the order's trace (kept on the replica by its
  // order:created), linked both ways to the request or job recording it.
  // The trace never changes once kept, so an order read earlier for this attempt tells it.
  const orderTrace = read.order ? traceOf(read.order) : await keptOrderTrace(payment.orderId);
  for (let tries = 0; payment && tries < 5; tries += 1) {
    if (payment.status !== PaymentStatus.Pending && payment.status !== PaymentStatus.Failed) break;
    const read: PaymentStatus = payment.status;
    payment.set({ status: PaymentStatus.Succeeded, stripeId: intent.id, token: undefined, failureMessage: undefined });
    try {
      // Conditional on the status read: another handler may be settling this payment too.
      payment = await saveWithEvent(
        payment,
        Subjects.PaymentCreated,
        { id: payment.id, orderId: payment.orderId, stripeId: intent.id },
        { status: read },
        // The answer does not wait for the publish: the event is stored with the success, and the relay sends it at once.
        { continueTrace: orderTrace, awaitPublish: false },
      );
      break;
    } catch (err) {
      // Matched nothing: settled or changed by someone else since it was read.
      if (!(err instanceof mongoose.Error.VersionError || err instanceof mongoose.Error.DocumentNotFoundError)) throw err;
    }
    // Someone else changed it since it was read: read again and decide again.
    payment = await Payment.findById(payment._id);
  }
  if (!payment) throw new Error(`payment ${attempt.id} disappeared`);

  if (payment.status !== PaymentStatus.Succeeded) return { payment };

  // All three after the success is stored, and at once: a cancel, or another
  // success, stored after these reads sees this success in turn and acts on
  // it. The claim is made whether or not the order turns out cancelled: a
  // success of a cancelled order is refunded as such before any claim counts.
  const [order, others, kept] = await Promise.all([
    // Only its status and event are asked here: a plain record, not a document.
    Order.findById(payment.orderId).select('status eventId').lean(),
    // The order's other successes (this one is held here: not read again).
    paymentsOf(payment.orderId, { status: PaymentStatus.Succeeded }, payment),
    keptPaymentOf(payment),
  ]);
  // The buyer guarantee: read after the success is stored, so either this sees the event's cancellation
  // or the cancellation's sweep (guarantee.ts) sees this success; either refunds it, announced.
  if (await orderEventCancelled(order)) {
    for (const charged of [payment, ...others]) {
      await refundOrLeaveDue(stripe, charged, RefundReason.EventCancelled);
    }
    return { payment: (await Payment.findById(payment._id))!, refundedForCancelledOrder: true };
  }
  if (order?.status === OrderStatus.Cancelled) {
    await refundOrLeaveDue(stripe, payment);
    return { payment: (await Payment.findById(payment._id))!, refundedForCancelledOrder: true };
  }
  // Every other success of the order is refunded, by whoever sees it: also one
  // whose recorder stopped between its success and its claim (a crash).
  for (const other of others) if (other.id !== kept) await refundOrLeaveDue(stripe, other);
  if (kept !== payment.id) {
    await refundOrLeaveDue(stripe, payment);
    return { payment: (await Payment.findById(payment._id))!, refundedAsDuplicate: true };
  }
  return { payment };
}

/** The trace context kept on the order's replica; undefined when it has none (stored before they were kept). */
async function keptOrderTrace(orderId: string): Promise<ContinuedTrace | undefined> {
  const kept = await Order.findById(orderId).select('traceparent tracestate').lean();
  return kept ? traceOf(kept) : undefined;
}

function traceOf(kept: Pick<OrderDoc, 'traceparent' | 'tracestate'>): ContinuedTrace | undefined {
  if (!kept.traceparent) return undefined;
  return { of: 'order', traceparent: kept.traceparent, ...(kept.tracestate ? { tracestate: kept.tracestate } : {}) };
}

/** The order's kept payment: this one if its claim is the first, else the one whose claim was. */
async function keptPaymentOf(payment: PaymentDoc): Promise<string> {
  try {
    await KeptPayment.create({ _id: payment.orderId, paymentId: payment.id, keptAt: new Date() });
    return payment.id;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  const claim = await KeptPayment.findById(payment.orderId).lean();
  if (!claim) throw new Error(`the kept payment of order ${payment.orderId} disappeared`);
  return claim.paymentId;
}

/** Refunds now; if Stripe cannot take it, the refund stays due and the reconciler retries it. */
async function refundOrLeaveDue(stripe: Stripe, payment: PaymentDoc, reason?: RefundReason): Promise<void> {
  try {
    await refundPayment(stripe, payment, reason);
  } catch (err) {
    logger.error({ err, paymentId: payment.id, orderId: payment.orderId }, 'refund failed; will retry');
  }
}

/** Why an order that has no successful payment cannot be paid now; undefined when it can. */
export function unpayableReason(order: OrderDoc, now = Date.now()): string | undefined {
  // Expired first: the expiration service cancels an order within moments of
  // its expiresAt, and the buyer should learn that time ran out.
  if (order.expiresAt.getTime() <= now) return EXPIRED;
  if (order.status === OrderStatus.Cancelled) return CANCELLED;
  return undefined;
}

/** A payable order as read for an attempt: the amount to charge, and what the attempt needs of the reads. */
export interface PayableOrder {
  amount: number;
  order: OrderDoc;
  /** How many of its attempts are recorded as failed (the next attempt's key). */
  failedAttempts: number;
}

/**
 * The request's checks, in the contract's order: unknown order 404, someone
 * else's 401, paid 400, expired 400, cancelled 400, an amount Stripe cannot
 * charge 400. The order and its payments are read at once
 * (both by the order's id).
 */
export async function payableOrder(orderId: string, userId: string): Promise<PayableOrder> {
  const [order, payments] = await Promise.all([
    // The order may be a few ms behind its order:created event.
    awaitReplica(() => Order.findById(orderId).exec()),
    paymentsOf(orderId),
  ]);
  if (!order) throw new NotFoundError();
  if (order.userId !== userId) throw new NotAuthorizedError();
  if (payments.some((p) => p.status === PaymentStatus.Succeeded)) throw new BadRequestError(ALREADY_PAID);
  const reason = unpayableReason(order);
  if (reason) throw new BadRequestError(reason);
  // Its event was cancelled: orders cancels it (order:cancelled may still be on its way here).
  if (await orderEventCancelled(order)) throw new BadRequestError(CANCELLED);
  const amount = chargeableCents(amountDue(order));
  if (amount === undefined) throw new BadRequestError(UNCHARGEABLE);
  return { amount, order, failedAttempts: payments.filter((p) => p.status === PaymentStatus.Failed).length };
}

/** Claims the order's next attempt key; or names the key another attempt holds. */
async function claimAttempt(
  orderId: string,
  { amount, failedAttempts }: PayableOrder,
  token: string,
): Promise<{ attempt: PaymentDoc } | { heldKey: string }> {
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
async function waitWhilePending(orderId: string, attemptKey: string, deadline: number, pollIntervalMs: number): Promise<boolean> {
  for (;;) {
    const [holder] = await paymentsOf(orderId, { attemptKey });
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

/**
 * A recorded payment; or an attempt whose PaymentIntent needs the customer
 * (3-D Secure: `requires_action`, answered 202 with its client secret for
 * Stripe.js's handleNextAction) or is still `processing`.
 */
export interface PayResult {
  payment: PaymentDoc;
  intentStatus?: Stripe.PaymentIntent.Status;
  clientSecret?: string;
}

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
): Promise<PayResult> {
  const deadline = Date.now() + options.attemptWaitMs;
  let attempt: PaymentDoc | undefined;
  let payable: PayableOrder | undefined;
  let previousKey: string | undefined;
  while (!attempt) {
    payable = await payableOrder(orderId, userId);
    const claim = await claimAttempt(orderId, payable, token);
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
    if (!(await waitWhilePending(orderId, claim.heldKey, deadline, options.pollIntervalMs))) throw new PaymentPendingError();
    // Settled: check the order again, as a request arriving now would.
  }

  const outcome = await confirmAttempt(stripe, attempt);
  const { payment, refundedForCancelledOrder, refundedAsDuplicate } = await settleAttempt(stripe, attempt, outcome, { order: payable?.order });
  if (outcome.result === 'refused' || outcome.result === 'unknown') throw outcome.error;
  if (refundedAsDuplicate) throw new BadRequestError(ALREADY_PAID);
  if (refundedForCancelledOrder || payment.status === PaymentStatus.Refunded) {
    const order = await Order.findById(orderId);
    throw new BadRequestError((order && unpayableReason(order)) || CANCELLED);
  }
  if (outcome.result === 'in_progress' && payment.status === PaymentStatus.Pending) {
    return { payment, intentStatus: outcome.intent.status, clientSecret: outcome.intent.client_secret ?? undefined };
  }
  return { payment };
}
