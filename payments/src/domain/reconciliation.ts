import { logger } from '@ticketing/common';
import Stripe from 'stripe';
import { pendingAttemptsCreatedBefore } from '../data/payment';
import { currentOutcome, settleAttempt } from './charges';
import { retryDueRefunds } from './refunds';

/**
 * Longer than any request can spend on one attempt (SDK timeout 20 s, two
 * retries with back-off): a pending attempt this old lost its request.
 */
export const STALE_ATTEMPT_MS = 2 * 60 * 1000;

/**
 * Settles attempts whose request died (process crash, database error after
 * Stripe answered, unknown outcome) by replaying them under the same
 * idempotency key with the same parameters: Stripe answers with the original
 * outcome, or runs the payment once if it never arrived. An attempt whose
 * PaymentIntent is known (waiting for 3-D Secure, processing) is read back
 * from Stripe instead; one still waiting stays pending.
 */
export async function settleStaleAttempts(stripe: Stripe, olderThanMs = STALE_ATTEMPT_MS, batchSize = 100): Promise<number> {
  const stale = await pendingAttemptsCreatedBefore(new Date(Date.now() - olderThanMs), batchSize);
  let settled = 0;
  for (const attempt of stale) {
    const outcome = await currentOutcome(stripe, attempt);
    if (outcome.result === 'unknown') {
      logger.warn({ err: outcome.error, paymentId: attempt.id, orderId: attempt.orderId }, 'payment replay failed; will retry');
      continue;
    }
    if (outcome.result === 'in_progress') {
      await settleAttempt(stripe, attempt, outcome);
      continue;
    }
    await settleAttempt(stripe, attempt, outcome);
    settled += 1;
  }
  return settled;
}

/** What the service does now and then: settle lost attempts, retry refunds that are due. */
export async function reconcile(stripe: Stripe): Promise<{ settled: number; refunded: number }> {
  const settled = await settleStaleAttempts(stripe);
  const refunded = await retryDueRefunds(stripe);
  return { settled, refunded };
}
