import { EventBus, Listener, ListenerMessage, logger, PaymentCreatedEvent, Subjects } from '@ticketing/common';
import { queueGroup } from './queue-group';
import { isValidObjectId } from 'mongoose';
import { HoldLimit } from '../../domain/hold-limit';
import { completeOrder } from '../../domain/orders';

/**
 * The order was paid: created → complete, and its ticket is sold. A payment
 * for an order cancelled meanwhile leaves it cancelled; the payments
 * service refunds that charge.
 */
export class PaymentCreatedListener extends Listener<PaymentCreatedEvent> {
  readonly subject = Subjects.PaymentCreated;
  readonly queueGroupName = queueGroup;

  constructor(
    bus: EventBus,
    private readonly holds: HoldLimit,
  ) {
    super(bus);
  }

  async onMessage(data: PaymentCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    if (!isValidObjectId(data.orderId)) {
      logger.error({ orderId: data.orderId }, 'payment:created for a malformed order id; dropped');
      msg.ack();
      return;
    }
    const outcome = await completeOrder(data.orderId, this.holds);
    if (outcome === 'not-found') {
      logger.warn({ orderId: data.orderId, paymentId: data.id }, 'payment:created for an unknown order');
    } else if (outcome === 'cancelled') {
      logger.warn({ orderId: data.orderId, paymentId: data.id }, 'payment for a cancelled order; it stays cancelled');
    }
    msg.ack();
  }
}
