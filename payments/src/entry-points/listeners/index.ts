import { Event, EventBus, Listener } from '@ticketing/common';
import Stripe from 'stripe';
import { DEFAULT_PAYOUT_SETTINGS, PayoutSettings } from '../../domain/payouts';
import { EventCreatedListener } from './event-created-listener';
import { EventUpdatedListener } from './event-updated-listener';
import { EventCancelledListener } from './event-cancelled-listener';
import { OrderCancelledListener } from './order-cancelled-listener';
import { OrderCreatedListener } from './order-created-listener';
import { PaymentCreatedListener } from './payment-created-listener';

/** Every listener of the payments service (checked against the event catalog by catalog.test.ts). */
export const listenersOf = (bus: EventBus, stripe: Stripe, payouts: PayoutSettings = DEFAULT_PAYOUT_SETTINGS): Listener<Event>[] => [
  new OrderCreatedListener(bus),
  new OrderCancelledListener(bus, stripe),
  new PaymentCreatedListener(bus, stripe, payouts),
  new EventCreatedListener(bus, payouts),
  new EventUpdatedListener(bus, payouts),
  new EventCancelledListener(bus, stripe),
];

export async function startListeners(bus: EventBus, stripe: Stripe, payouts: PayoutSettings = DEFAULT_PAYOUT_SETTINGS): Promise<void> {
  for (const listener of listenersOf(bus, stripe, payouts)) await listener.listen();
}
