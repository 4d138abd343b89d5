import { Listener, ListenerMessage, logger, NotYetError, OrderCreatedEvent, Subjects } from '@ticketing/common';
import { Ticket } from '../../data/ticket';
import { decideOnCurrentTicket } from '../../domain/retry';
import { queueGroupName } from './queue-group';

/**
 * Locks the ticket for the new order: sets `orderId`, bumps the version and
 * publishes ticket:updated, so the owner can no longer edit it.
 *
 * The lock is written only if the ticket is still as read (its version) and
 * the order's cancel has still not been recorded: that cancel leaves the
 * version alone, so it is a precondition of its own in the write.
 */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly queueGroupName = queueGroupName;

  async onMessage(data: OrderCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await decideOnCurrentTicket(async () => {
      const ticket = await Ticket.findById(data.ticket.id);
      if (!ticket) {
        // Tickets are only ever created here; waiting cannot make it appear.
        logger.error({ ticketId: data.ticket.id, orderId: data.id }, 'order:created for an unknown ticket ignored');
        return;
      }
      if (ticket.orderId === data.id) return; // already applied (a redelivery)
      if (ticket.cancelledOrderIds.includes(data.id)) return; // its order:cancelled came first
      if (ticket.orderId) {
        // Held (reserved, or sold to a payment that lost the race with its
        // order's cancel) by an earlier order whose order:cancelled has not
        // reached us yet: orders takes a ticket for a new order only once
        // the previous one is cancelled. By a later delivery the lock is free.
        throw new NotYetError('ticket still locked by an earlier order', {
          ticketId: ticket.id,
          orderId: data.id,
          heldBy: ticket.orderId,
          sold: Boolean(ticket.soldAt),
        });
      }
      ticket.set({ orderId: data.id });
      ticket.$where = { cancelledOrderIds: { $ne: data.id } };
      await ticket.saveWithEvent();
    }, { ticketId: data.ticket.id, orderId: data.id });
    msg.ack();
  }
}
