import { EventBus, Listener, ListenerMessage, logger, OrderCreatedEvent, QueueGroups, Subjects } from '@ticketing/common';
import { ExpirationQueue, scheduleExpiration } from '../../data/expiration-queue';

/**
 * Schedules the order's expiration for its expiresAt and acks once Redis has
 * the job. A redelivery finds the job (keyed by order id) and adds nothing.
 */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly queueGroupName = QueueGroups.Expiration;

  constructor(
    bus: EventBus,
    private readonly queue: ExpirationQueue,
  ) {
    super(bus);
  }

  async onMessage(data: OrderCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    if (typeof data.id !== 'string' || !data.id || Number.isNaN(new Date(data.expiresAt).getTime())) {
      // It can never be scheduled; redelivering it forever would not help. Orders' sweep is the safety net.
      logger.error({ orderId: data.id, expiresAt: data.expiresAt }, 'order:created without a usable id or expiresAt; dropped');
      msg.ack();
      return;
    }
    const job = await scheduleExpiration(this.queue, { orderId: data.id, expiresAt: data.expiresAt });
    logger.info({ orderId: data.id, expiresAt: data.expiresAt, jobId: job.id }, 'expiration scheduled');
    msg.ack();
  }
}
