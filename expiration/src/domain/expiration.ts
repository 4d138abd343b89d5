import { EventBus, logger, OrderCreatedEvent, publishEvent, Subjects } from '@ticketing/common';
import { ExpirationQueue, scheduleExpiration } from '../data/expiration-queue';

/**
 * order:created — schedules the order's expiration for its expiresAt. A
 * redelivery finds the job (keyed by order id) and adds nothing. An event it
 * can never schedule is dropped (redelivering it forever would not help;
 * orders' sweep is the safety net).
 */
export async function scheduleOrderExpiration(queue: ExpirationQueue, order: OrderCreatedEvent['data']): Promise<void> {
  if (typeof order.id !== 'string' || !order.id || Number.isNaN(new Date(order.expiresAt).getTime())) {
    logger.error({ orderId: order.id, expiresAt: order.expiresAt }, 'order:created without a usable id or expiresAt; dropped');
    return;
  }
  const job = await scheduleExpiration(queue, { orderId: order.id, expiresAt: order.expiresAt });
  logger.info({ orderId: order.id, expiresAt: order.expiresAt, jobId: job.id }, 'expiration scheduled');
}

/**
 * The order's lock ran out: tells orders with expiration:complete. Straight
 * to the bus, since expiration has no database to hold an outbox: the Bull
 * job is its outbox, completed only after this publish succeeded.
 */
export async function expire(bus: EventBus, orderId: string): Promise<void> {
  await publishEvent(bus, Subjects.ExpirationComplete, { orderId });
}
