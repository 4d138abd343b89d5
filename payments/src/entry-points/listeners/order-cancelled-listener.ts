import { EventBus, Listener, ListenerMessage, OrderCancelledEvent, Subjects } from '@ticketing/common';
import Stripe from 'stripe';
import { cancelOrder } from '../../domain/order-replica';
import { queueGroup } from './queue-group';

/** The order was cancelled: the replica follows, a payment that got through is refunded (domain/order-replica.ts). */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
  readonly queueGroupName = queueGroup;

  constructor(
    bus: EventBus,
    private readonly stripe: Stripe,
  ) {
    super(bus);
  }

  async onMessage(data: OrderCancelledEvent['data'], msg: ListenerMessage): Promise<void> {
    await cancelOrder(this.stripe, data);
    msg.ack();
  }
}
