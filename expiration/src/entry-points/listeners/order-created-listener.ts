import { EventBus, Listener, ListenerMessage, OrderCreatedEvent, Subjects } from '@ticketing/common';
import { ExpirationQueue } from '../../data/expiration-queue';
import { scheduleOrderExpiration } from '../../domain/expiration';
import { queueGroup } from './queue-group';

/** Schedules the new order's expiration and acks once Redis has the job (domain/expiration.ts). */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly queueGroupName = queueGroup;

  constructor(
    bus: EventBus,
    private readonly queue: ExpirationQueue,
  ) {
    super(bus);
  }

  async onMessage(data: OrderCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await scheduleOrderExpiration(this.queue, data);
    msg.ack();
  }
}
