import { randomUUID } from 'node:crypto';
import { Event, EventData, EventEnvelope, Subjects } from '../events';
import { currentRequestId } from '../logger';
import { EventBus } from './event-bus';

/** Builds the wire envelope for an event (new id, time now, the current request id). */
export function envelopeOf<T extends Event>(subject: T['subject'], data: T['data']): EventEnvelope<T['subject']> {
  const requestId = currentRequestId();
  return {
    id: randomUUID(),
    subject,
    time: new Date().toISOString(),
    ...(requestId ? { requestId } : {}),
    data,
  } as EventEnvelope<T['subject']>;
}

/**
 * Publishes an event straight to the bus. Only for a service with no
 * database (expiration, whose Bull job completes only after this publish):
 * an event that describes a database change is staged with that change
 * instead (outbox/saveWithEvent), so that none is lost between the write and
 * the publish.
 */
export async function publishEvent<S extends Subjects>(bus: EventBus, subject: S, data: EventData<S>): Promise<EventEnvelope<S>> {
  const envelope = envelopeOf(subject as never, data as never) as EventEnvelope<S>;
  await bus.publish(envelope);
  return envelope;
}
