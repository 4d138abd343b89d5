import { Event, EventBus, Listener } from '@ticketing/common';
import Stripe from 'stripe';
import { EventCancelledListener } from './event-cancelled-listener';
import { OrderCancelledListener } from './order-cancelled-listener';
import { OrderCreatedListener } from './order-created-listener';

/** Every listener of the payments service (checked against the event catalog by catalog.test.ts). */
export const listenersOf = (bus: EventBus, stripe: Stripe): Listener<Event>[] => [
  new OrderCreatedListener(bus),
  new OrderCancelledListener(bus, stripe),
  new EventCancelledListener(bus, stripe),
];

export async function startListeners(bus: EventBus, stripe: Stripe): Promise<void> {
  for (const listener of listenersOf(bus, stripe)) await listener.listen();
}
