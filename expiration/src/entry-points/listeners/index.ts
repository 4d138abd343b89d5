import { Event, EventBus, Handlers, listenAll, Listener, listenersFrom, Subjects } from '@ticketing/common';
import { ExpirationQueue } from '../../data/expiration-queue';
import { scheduleOrderExpiration } from '../../domain/expiration';
import { queueGroup } from './queue-group';

/** What each subject does here, one row per subject (checked against the event catalog by catalog.test.ts). */
export const handlersOf = (queue: ExpirationQueue): Handlers => ({
  // Acked once Redis has the order's expiration job (domain/expiration.ts).
  [Subjects.OrderCreated]: (data) => scheduleOrderExpiration(queue, data),
});

/** Every listener of the expiration service. */
export const listenersOf = (bus: EventBus, queue: ExpirationQueue): Listener<Event>[] => listenersFrom(bus, queueGroup, handlersOf(queue));

export async function startListeners(bus: EventBus, queue: ExpirationQueue): Promise<void> {
  await listenAll(listenersOf(bus, queue));
}
