import { Listener, ListenerMessage, OrderCreatedEvent, Subjects } from '@ticketing/common';
import { reserveTicket } from '../../domain/tickets';
import { queueGroup } from './queue-group';

/** The new order holds its seats of the listing, and its buyer is recorded for its passes (domain/tickets.ts: reserveTicket). */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly queueGroupName = queueGroup;

  async onMessage(data: OrderCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    // Version 1's orders hold one seat.
    await reserveTicket(data.ticket.id, data.id, data.quantity ?? 1, data.userId);
    msg.ack();
  }
}
