import { Listener, ListenerMessage, logger, OrderCreatedEvent, Subjects } from '@ticketing/common';
import { Ticket, TicketStatus } from '../../models/ticket';
import { retryOnVersionConflict } from '../retry';
import { queueGroupName } from './queue-group-name';

/**
 * Locks the ticket for the new order: sets `orderId`, bumps the version and
 * publishes ticket:updated, so the owner can no longer edit it.
 */
export class OrderCreatedListener extends Listener<OrderCreatedEvent> {
  readonly subject = Subjects.OrderCreated;
  readonly queueGroupName = queueGroupName;

  async onMessage(data: OrderCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await retryOnVersionConflict(async () => {
      const ticket = await Ticket.findById(data.ticket.id);
      if (!ticket) {
        // Tickets are only ever created here; waiting cannot make it appear.
        logger.error({ ticketId: data.ticket.id, orderId: data.id }, 'order:created for an unknown ticket ignored');
        return;
      }
      if (ticket.orderId === data.id) return; // already applied (a redelivery)
      if (ticket.cancelledOrderIds.includes(data.id)) return; // its order:cancelled came first
      if (ticket.status === TicketStatus.Sold) {
        logger.error({ ticketId: ticket.id, orderId: data.id }, 'order:created for a sold ticket ignored');
        return;
      }
      if (ticket.orderId) {
        // Still held by an earlier order whose order:cancelled has not reached
        // us yet (another subject, another stream position). Not acked: by
        // redelivery the lock is free.
        throw new Error(`ticket ${ticket.id} is still locked by order ${ticket.orderId}`);
      }
      ticket.set({ orderId: data.id });
      await ticket.saveWithEvent();
    });
    msg.ack();
  }
}
