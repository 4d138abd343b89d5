import { Listener, ListenerMessage, Subjects, TicketCreatedEvent } from '@ticketing/common';
import { addTicket } from '../../domain/ticket-replica';
import { queueGroup } from './queue-group';

/** A new ticket joins the replica (domain/ticket-replica.ts: addTicket). */
export class TicketCreatedListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
  readonly queueGroupName = queueGroup;

  async onMessage(data: TicketCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await addTicket(data);
    msg.ack();
  }
}
