import { Listener, ListenerMessage, Subjects, TicketUpdatedEvent } from '@ticketing/common';
import { updateTicket } from '../../domain/ticket-replica';
import { queueGroup } from './queue-group';

/** A ticket's new version reaches the replica, in version order (domain/ticket-replica.ts: updateTicket). */
export class TicketUpdatedListener extends Listener<TicketUpdatedEvent> {
  readonly subject = Subjects.TicketUpdated;
  readonly queueGroupName = queueGroup;

  async onMessage(data: TicketUpdatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await updateTicket(data);
    msg.ack();
  }
}
