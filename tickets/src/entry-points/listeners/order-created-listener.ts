import { Listener, ListenerMessage, OrderCreatedEvent, Subjects } from '@ticketing/common';
import { reserveTicket } from '../../domain/tickets';
import { queueGroup } from './queue-group';

/** The new order locks its ticket (domain/tickets.ts: reserveTicket). */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly queueGroupName = queueGroup;

  async onMessage(data: OrderCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await reserveTicket(data.ticket.id, data.id);
    msg.ack();
  }
}
