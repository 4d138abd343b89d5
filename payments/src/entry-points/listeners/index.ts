import { Event, EventBus, Handlers, listenAll, Listener, listenersFrom, Subjects, traceContextOf } from '@ticketing/common';
import Stripe from 'stripe';
import { honourEventCancellation } from '../../domain/guarantee';
import { addOrder, cancelOrder } from '../../domain/order-replica';
import { addPayoutForPayment, applyEvent, cancelPayoutsOfEvent, DEFAULT_PAYOUT_SETTINGS, PayoutSettings } from '../../domain/payouts';
import { queueGroup } from './queue-group';

/** What each subject does here, one row per subject (checked against the event catalog by catalog.test.ts). */
export const handlersOf = (stripe: Stripe, payouts: PayoutSettings = DEFAULT_PAYOUT_SETTINGS): Handlers => ({
  // The order joins the replica with this handling's trace context (a child of the order's trace), kept for its payment:created.
  [Subjects.OrderCreated]: (data) => addOrder(data, traceContextOf()),
  // The replica follows; a payment that got through is refunded (domain/order-replica.ts).
  [Subjects.OrderCancelled]: (data) => cancelOrder(stripe, data),
  // payments' own event, not a hook on the success, so the payout is as durable as the event; its time is the payment time of a payout without an event.
  [Subjects.PaymentCreated]: async (data, msg) => {
    await addPayoutForPayment(stripe, data, msg.time, payouts);
  },
  // The replica of events: startsAt says when payouts are released, and a moved one moves the pending payouts (domain/payouts.ts).
  [Subjects.EventCreated]: (data) => applyEvent(data, payouts),
  [Subjects.EventUpdated]: (data) => applyEvent(data, payouts),
  // The buyer guarantee refunds the paid orders, then the sellers' payouts are cancelled or reversed; acked once both are recorded.
  [Subjects.EventCancelled]: async (data) => {
    await honourEventCancellation(stripe, data.id);
    await cancelPayoutsOfEvent(stripe, data.id);
  },
});

/** Every listener of the payments service. */
export const listenersOf = (bus: EventBus, stripe: Stripe, payouts: PayoutSettings = DEFAULT_PAYOUT_SETTINGS): Listener<Event>[] =>
  listenersFrom(bus, queueGroup, handlersOf(stripe, payouts));

export async function startListeners(bus: EventBus, stripe: Stripe, payouts: PayoutSettings = DEFAULT_PAYOUT_SETTINGS): Promise<void> {
  await listenAll(listenersOf(bus, stripe, payouts));
}
