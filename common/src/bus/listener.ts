import { Event, EventEnvelope, eventDataProblems, Subjects } from '../events';
import { logger, requestContext } from '../logger';
import { backoffDelay } from '../retry/retry';
import { DeliveredMessage, EventBus } from './event-bus';
import { DeliveryOutcome } from './instrumentation';

/**
 * Thrown by a listener for an expected "not yet": the event cannot apply
 * until another one has arrived (a replica one version behind, a lock held
 * by an older order whose cancel is still on its way). Logged below error
 * level and delivered again after a short back-off, not after the full ack
 * wait.
 */
export class NotYetError extends Error {
  constructor(
    message: string,
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'NotYetError';
  }
}

/** Back-off before redelivering a "not yet": short, since what it waits for is usually on its way. */
const NOT_YET_BACKOFF = { baseMs: 25, maxMs: 1000 };
const notYetDelayMs = (deliveryCount: number) => backoffDelay({ ...NOT_YET_BACKOFF, attempt: deliveryCount });

/** Deliveries after which a "not yet" that still does not apply is logged as a warning. */
const NOT_YET_WARN_AFTER = 20;

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
 * message comes back after the ack wait. If it throws a NotYetError, it
 * comes back after a short back-off instead.
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
      // Checked against the catalog before any listener sees it: data that can
      // never apply is poison, dropped at once instead of retried to the limit.
      const problems = eventDataProblems(this.subject as Subjects, envelope.data);
      if (problems) {
        logger.error(
          { subject: this.subject, queueGroup: this.queueGroupName, eventId: envelope.id, deliveryCount: msg.deliveryCount, problems },
          'poison event: its data breaks the event catalog; dropped, never retried',
        );
        this.bus.instrumentation.poisoned(this.subject, this.queueGroupName);
        if (msg.reject) msg.reject();
        else msg.ack();
        return;
      }
      const scope = this.bus.instrumentation.handling({
        subject: this.subject,
        queueGroup: this.queueGroupName,
        envelope,
        deliveryCount: msg.deliveryCount,
      });
      let acked = false;
      const ack = () => {
        if (!acked) {
          acked = true;
          scope.acked();
        }
        msg.ack();
      };
      try {
        logger.debug({ subject: this.subject, eventId: envelope.id }, 'event received');
        await scope.run(() =>
          this.onMessage(envelope.data as T['data'], {
            ack,
            deliveryCount: msg.deliveryCount,
            ...(msg.retryLater ? { retryLater: (delayMs: number) => msg.retryLater!(delayMs) } : {}),
            eventId: envelope.id,
            time: new Date(envelope.time),
          }),
        );
        scope.end(acked ? 'acked' : 'waiting');
      } catch (err) {
        const outcome: DeliveryOutcome = acked ? 'acked' : err instanceof NotYetError ? 'waiting' : 'failed';
        scope.end(outcome, err);
        if (err instanceof NotYetError) {
          const delayMs = notYetDelayMs(msg.deliveryCount);
          const level = msg.deliveryCount > NOT_YET_WARN_AFTER ? 'warn' : 'info';
          logger[level](
            { ...err.context, subject: this.subject, eventId: envelope.id, deliveryCount: msg.deliveryCount, retryInMs: delayMs },
            `${err.message}; not yet, retrying shortly`,
          );
          msg.retryLater?.(delayMs);
          return;
        }
        logger.error(
          { err, subject: this.subject, eventId: envelope.id, deliveryCount: msg.deliveryCount },
          'listener failed; the event will be redelivered',
        );
      }
    });
  }
}
