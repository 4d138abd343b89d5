import { Listener, ListenerMessage, logger, PaymentRefundedEvent, Subjects } from '@ticketing/common';
import { isValidObjectId } from 'mongoose';
import { refundOrder } from '../../domain/orders';
import { queueGroup } from './queue-group';

/** The order's money went back (its event was cancelled): complete → refunded (domain/orders.ts: refundOrder). */
export class PaymentRefundedListener extends Listener<PaymentRefundedEvent> {
  readonly subject = Subjects.PaymentRefunded;
  readonly queueGroupName = queueGroup;

  async onMessage(data: PaymentRefundedEvent['data'], msg: ListenerMessage): Promise<void> {
    if (!isValidObjectId(data.orderId)) {
      logger.error({ orderId: data.orderId }, 'payment:refunded for a malformed order id; dropped');
      msg.ack();
      return;
    }
    const outcome = await refundOrder(data.orderId);
    if (outcome === 'not-found') logger.warn({ orderId: data.orderId, paymentId: data.id }, 'payment:refunded for an unknown order');
    msg.ack();
  }
}
