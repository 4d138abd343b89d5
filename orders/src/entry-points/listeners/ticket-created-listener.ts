import { Listener, ListenerMessage, QueueGroups, Subjects, TicketCreatedEvent } from '@ticketing/common';
import { Ticket } from '../../data/ticket';

const DUPLICATE_KEY = 11000;

/** Adds the ticket to the replica; a redelivery finds it there and changes nothing. */
export class TicketCreatedListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
  readonly queueGroupName = QueueGroups.Orders;

  async onMessage(data: TicketCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    const { id, title, price, userId, version } = data;
    try {
      // Insert-if-absent: never overwrites a replica that later updates already moved on.
      await Ticket.updateOne(
        { _id: id },
        { $setOnInsert: { title, price, userId, version, reservedBy: null, reservedAt: null, sold: false } },
        { upsert: true },
      );
    } catch (err: any) {
      // Two deliveries racing: the other one inserted it.
      if (err?.code !== DUPLICATE_KEY) throw err;
    }
    msg.ack();
  }
}
