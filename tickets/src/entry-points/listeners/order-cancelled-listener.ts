import { Listener, ListenerMessage, OrderCancelledEvent, Subjects } from '@ticketing/common';
import { releaseTicket } from '../../domain/tickets';
import { queueGroup } from './queue-group';

/** The cancelled order lets go of its ticket (domain/tickets.ts: releaseTicket). */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
  readonly queueGroupName = queueGroup;

  async onMessage(data: OrderCancelledEvent['data'], msg: ListenerMessage): Promise<void> {
    await releaseTicket(data.ticket.id, data.id);
    msg.ack();
  }
}
