import { Event, EventBus, Listener } from '@ticketing/common';
import { EventCancelledListener, EventCreatedListener, EventUpdatedListener } from './event-listeners';
import { OrderCancelledListener } from './order-cancelled-listener';
import { OrderCreatedListener } from './order-created-listener';
import { PaymentCreatedListener } from './payment-created-listener';
import { WaitlistOfferedListener, WaitlistOfferEndedListener } from './waitlist-listeners';

/** Every listener of the tickets service (checked against the event catalog by catalog.test.ts). */
export const listenersOf = (bus: EventBus): Listener<Event>[] => [
  new OrderCreatedListener(bus),
  new OrderCancelledListener(bus),
  new PaymentCreatedListener(bus),
  new EventCreatedListener(bus),
  new EventUpdatedListener(bus),
  new EventCancelledListener(bus),
  new WaitlistOfferedListener(bus),
  new WaitlistOfferEndedListener(bus),
];

export async function startListeners(bus: EventBus): Promise<void> {
  for (const listener of listenersOf(bus)) await listener.listen();
}
