import { Listener, ListenerMessage, OrderCreatedEvent, Subjects, traceContextOf } from '@ticketing/common';
import { addOrder } from '../../domain/order-replica';
import { queueGroup } from './queue-group';

/**
 * A new order joins the replica (domain/order-replica.ts: addOrder), with the
 * trace context of this handling (a child of the order's trace), kept for its
 * payment:created.
 */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly queueGroupName = queueGroup;

  async onMessage(data: OrderCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await addOrder(data, traceContextOf());
    msg.ack();
  }
}
