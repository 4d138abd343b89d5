import { Listener, ListenerMessage, PaymentCreatedEvent, Subjects } from '@ticketing/common';
import { sellTicket } from '../../domain/tickets';
import { queueGroup } from './queue-group';

/** The paid order's ticket is sold (domain/tickets.ts: sellTicket). */
export class PaymentCreatedListener extends Listener<PaymentCreatedEvent> {
  readonly subject = Subjects.PaymentCreated;
  readonly queueGroupName = queueGroup;

  async onMessage(data: PaymentCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await sellTicket(data.orderId, data.id);
    msg.ack();
  }
}
