import { Event, EventEnvelope, Subjects } from '../events';
import { logger, requestContext } from '../logger';
import { traceHandling } from '../telemetry/tracing';
import { DeliveredMessage, EventBus } from './event-bus';

/** What a listener gets besides the data. */
export interface ListenerMessage extends DeliveredMessage {
  /** The event's id, the same on every delivery of it. */
  eventId: string;
  /** When the event was recorded. */
  time: Date;
}

/**
 * A durable, queue-grouped subscription to one subject. onMessage acks only
 * after its effect is stored; if it throws, or returns without acking, the
 * message comes back after the ack wait.
 */
export abstract class Listener<T extends Event> {
  abstract readonly subject: T['subject'];
  abstract readonly queueGroupName: string;
  abstract onMessage(data: T['data'], msg: ListenerMessage): Promise<void>;

  constructor(protected readonly bus: EventBus) {}

  async listen(): Promise<void> {
    await this.bus.subscribe({
      subject: this.subject as Subjects,
      queueGroup: this.queueGroupName,
      handler: (envelope, msg) => this.handle(envelope, msg),
    });
  }

  /** Runs onMessage inside the publishing request's context; errors are logged, never thrown. */
  async handle(envelope: EventEnvelope, msg: DeliveredMessage): Promise<void> {
    const context = { requestId: envelope.requestId ?? envelope.id };
    await requestContext.run(context, async () => {
      const handling = { subject: this.subject, queueGroup: this.queueGroupName, envelope, deliveryCount: msg.deliveryCount };
      try {
        logger.debug({ subject: this.subject, eventId: envelope.id }, 'event received');
        await traceHandling(handling, () => msg.ack(), (ack) =>
          this.onMessage(envelope.data as T['data'], {
            ack,
            deliveryCount: msg.deliveryCount,
            eventId: envelope.id,
            time: new Date(envelope.time),
          }),
        );
      } catch (err) {
        logger.error(
          { err, subject: this.subject, eventId: envelope.id, deliveryCount: msg.deliveryCount },
          'listener failed; the event will be redelivered',
        );
      }
    });
  }
}
