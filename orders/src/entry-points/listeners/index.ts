import { Event, EventBus, Listener } from '@ticketing/common';
import { HoldLimit } from '../../domain/hold-limit';
import { EventCancelledListener, EventCreatedListener, EventUpdatedListener } from './event-listeners';
import { ExpirationCompleteListener } from './expiration-complete-listener';
import { PaymentCreatedListener } from './payment-created-listener';
import { PaymentRefundedListener } from './payment-refunded-listener';
import { TicketCreatedListener } from './ticket-created-listener';
import { TicketUpdatedListener } from './ticket-updated-listener';

/** Every listener of the orders service (checked against the event catalog by catalog.test.ts). */
export const listenersOf = (bus: EventBus, holds: HoldLimit): Listener<Event>[] => [
  new TicketCreatedListener(bus),
  new TicketUpdatedListener(bus),
  new ExpirationCompleteListener(bus, holds),
  new PaymentCreatedListener(bus, holds),
  new PaymentRefundedListener(bus),
  new EventCreatedListener(bus),
  new EventUpdatedListener(bus),
  new EventCancelledListener(bus),
];

export async function startListeners(bus: EventBus, holds: HoldLimit): Promise<void> {
  for (const listener of listenersOf(bus, holds)) await listener.listen();
}
