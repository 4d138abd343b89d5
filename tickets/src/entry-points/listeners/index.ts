import { Event, EventBus, Listener } from '@ticketing/common';
import { PassKeys } from '../../domain/pass-codes';
import { EventCancelledListener, EventCreatedListener, EventUpdatedListener } from './event-listeners';
import { OrderCancelledListener } from './order-cancelled-listener';
import { OrderCreatedListener } from './order-created-listener';
import { PaymentRefundedListener, UserCreatedListener } from './pass-listeners';
import { PaymentCreatedListener } from './payment-created-listener';
import { WaitlistOfferedListener, WaitlistOfferEndedListener } from './waitlist-listeners';

/** Every listener of the tickets service (checked against the event catalog by catalog.test.ts); `passKeys` sign the passes a payment issues. */
export const listenersOf = (bus: EventBus, passKeys: PassKeys): Listener<Event>[] => [
  new OrderCreatedListener(bus),
  new OrderCancelledListener(bus),
  new PaymentCreatedListener(bus, passKeys),
  new PaymentRefundedListener(bus),
  new EventCreatedListener(bus),
  new EventUpdatedListener(bus),
  new EventCancelledListener(bus),
  new UserCreatedListener(bus),
  new WaitlistOfferedListener(bus),
  new WaitlistOfferEndedListener(bus),
];

export async function startListeners(bus: EventBus, passKeys: PassKeys): Promise<void> {
  for (const listener of listenersOf(bus, passKeys)) await listener.listen();
}
