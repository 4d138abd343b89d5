import { Listener, ListenerMessage, NotYetError, QueueGroups, Subjects, TicketUpdatedEvent } from '@ticketing/common';
import { Ticket } from '../../data/ticket';

/**
 * Applies a ticket's new title/price/version when the replica holds the
 * previous version; an event that arrives early is a "not yet": not acked,
 * delivered again after a short back-off.
 *
 * The event's `orderId` is deliberately ignored: it is the tickets service's
 * view of our reservation and may lag behind it (e.g. it still says reserved
 * after we released the ticket, or not yet reserved after we reserved it).
 * Whether a new order may take the ticket is decided by `reservedBy` here.
 */
export class TicketUpdatedListener extends Listener<TicketUpdatedEvent> {
  readonly subject = Subjects.TicketUpdated;
  readonly queueGroupName = QueueGroups.Orders;

  async onMessage(data: TicketUpdatedEvent['data'], msg: ListenerMessage): Promise<void> {
    const { id, title, price, userId, version } = data;
    const applied = await Ticket.findOneAndUpdate(
      { _id: id, version: version - 1 },
      { $set: { title, price, userId, version } },
      { new: true },
    );
    if (!applied) {
      const current = await Ticket.findById(id, { version: 1 }).lean();
      if (!current || current.version < version) {
        // Delivered again shortly, by when the versions before it are in.
        throw new NotYetError('ticket:updated ahead of the replica', { ticketId: id, version, holding: current?.version ?? null });
      }
      // Already applied (a redelivery): nothing to change.
    }
    msg.ack();
  }
}
