import { logger } from '@ticketing/common';
import Stripe from 'stripe';
import { isCancelledEvent, rememberCancelledEvent } from '../data/cancelled-event';
import { orderIdsOfEvent } from '../data/order';
import { RefundReason } from '../data/payment';
import { refundOrderPayments } from './refunds';

/** Refunds sent to Stripe at once by one cancellation: enough to refund hundreds of orders in seconds, few enough not to flood it. */
const REFUNDS_AT_ONCE = 8;

/** What one handling of event:cancelled did. */
export interface EventCancellationOutcome {
  /** Orders of the event this replica knows. */
  orders: number;
  /** Payments found succeeded and refunded now (0 on a redelivery after a complete run). */
  refunded: number;
}

/**
 * event:cancelled — the buyer guarantee: every paid order of the event is
 * refunded in full, once. The event is remembered first, then its orders'
 * succeeded payments are refunded: a success stored after that record sees
 * it (charges.ts: recordSucceeded reads it after storing the success) and is
 * refunded there, and one stored before it is found here, so none is kept
 * whatever the interleaving. Each refund is conditional and carries the
 * payment's idempotency key (refunds.ts), so a redelivery, a second replica
 * or a crash half-way refunds nothing twice. Rejects when a refund could not
 * be taken by Stripe (after trying all): the event is delivered again, and
 * the refund stays due for the reconciler meanwhile.
 */
export async function honourEventCancellation(stripe: Stripe, eventId: string): Promise<EventCancellationOutcome> {
  await rememberCancelledEvent(eventId);
  const orderIds = await orderIdsOfEvent(eventId);
  let refunded = 0;
  const failures: unknown[] = [];
  for (let i = 0; i < orderIds.length; i += REFUNDS_AT_ONCE) {
    await Promise.all(
      orderIds.slice(i, i + REFUNDS_AT_ONCE).map(async (orderId) => {
        try {
          refunded += await refundOrderPayments(stripe, orderId, RefundReason.EventCancelled);
        } catch (err) {
          logger.warn({ err, orderId, eventId }, 'refund for a cancelled event failed; will retry');
          failures.push(err);
        }
      }),
    );
  }
  if (failures.length) throw failures[0];
  return { orders: orderIds.length, refunded };
}

/** Whether the order's event is cancelled (an order without an event never is). */
export async function orderEventCancelled(order: { eventId?: string | null } | null): Promise<boolean> {
  return !!order?.eventId && isCancelledEvent(order.eventId);
}

