import { Listener, ListenerMessage, OrderCreatedEvent, QueueGroups, Subjects } from '@ticketing/common';
import { isDuplicateKey } from '../../data/errors';
import { Order } from '../../data/order';

/** Stores the order replica: who may pay, how much, until when. */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly queueGroupName = QueueGroups.Payments;

  async onMessage(data: OrderCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    const order = Order.build({
      id: data.id,
      userId: data.userId,
      price: data.ticket.price,
      status: data.status,
      version: data.version,
      expiresAt: new Date(data.expiresAt),
    });
    try {
      await order.save();
    } catch (err) {
      // A redelivery: the replica is already there.
      if (!isDuplicateKey(err)) throw err;
    }
    msg.ack();
  }
}
