import { Event, EventBus, Listener } from '@ticketing/common';
import { ExpirationQueue } from '../../data/expiration-queue';
import { OrderCreatedListener } from './order-created-listener';

/** Every listener of the expiration service (checked against the event catalog by catalog.test.ts). */
export const listenersOf = (bus: EventBus, queue: ExpirationQueue): Listener<Event>[] => [new OrderCreatedListener(bus, queue)];

export async function startListeners(bus: EventBus, queue: ExpirationQueue): Promise<void> {
  for (const listener of listenersOf(bus, queue)) await listener.listen();
}
