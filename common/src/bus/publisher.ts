import { randomUUID } from 'node:crypto';
import { Event, EventEnvelope } from '../events';
import { currentRequestId } from '../logger';
import { tracedPublish } from '../telemetry/tracing';
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
 * Publishes one kind of event straight to the bus. Services whose events
 * describe a database change stage them in the outbox instead (see
 * outbox/), so that no event is lost between the write and the publish.
 */
export abstract class Publisher<T extends Event> {
  abstract readonly subject: T['subject'];

  constructor(protected readonly bus: EventBus) {}

  async publish(data: T['data']): Promise<EventEnvelope<T['subject']>> {
    const envelope = envelopeOf<T>(this.subject, data);
    await tracedPublish(this.bus, envelope);
    return envelope;
  }
}
