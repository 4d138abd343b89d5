import { Event, EventBus, Listener } from '@ticketing/common';
import { ExpirationCompleteListener } from './expiration-complete-listener';
import { PaymentCreatedListener } from './payment-created-listener';
import { TicketCreatedListener } from './ticket-created-listener';
import { TicketUpdatedListener } from './ticket-updated-listener';

/** Every listener of the orders service (checked against the event catalog by catalog.test.ts). */
export const listenersOf = (bus: EventBus): Listener<Event>[] => [
  new TicketCreatedListener(bus),
  new TicketUpdatedListener(bus),
  new ExpirationCompleteListener(bus),
  new PaymentCreatedListener(bus),
];

export async function startListeners(bus: EventBus): Promise<void> {
  for (const listener of listenersOf(bus)) await listener.listen();
}
