import { Listener, ListenerMessage, logger, OrderCancelledEvent, Subjects } from '@ticketing/common';
import mongoose from 'mongoose';
import { Ticket, TicketStatus } from '../../data/ticket';
import { decideOnCurrentTicket } from '../../domain/retry';
import { queueGroupName } from './queue-group';

/**
 * Releases the ticket, but only if the cancelled order is the one holding
 * it: a cancel never frees a ticket locked by a newer order. Orders never
 * cancels a completed order, so a cancel for the order that bought the ticket
 * means the payment lost the race with expiration (payments refunds it): the
 * sale is void and the ticket is for sale again.
 * Every cancel is remembered on the ticket, so an order:created arriving
 * after its own order:cancelled does not lock the ticket for good.
 */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
  readonly queueGroupName = queueGroupName;

  async onMessage(data: OrderCancelledEvent['data'], msg: ListenerMessage): Promise<void> {
    await decideOnCurrentTicket(async () => {
      const ticket = await Ticket.findById(data.ticket.id);
      if (!ticket) {
        logger.error({ ticketId: data.ticket.id, orderId: data.id }, 'order:cancelled for an unknown ticket ignored');
        return;
      }
      if (ticket.orderId === data.id) {
        if (ticket.status === TicketStatus.Sold) {
          logger.warn({ ticketId: ticket.id, orderId: data.id }, 'payment lost the race with expiration; sale voided');
        }
        ticket.cancelledOrderIds.addToSet(data.id);
        ticket.set({ orderId: undefined, soldAt: undefined });
        await ticket.saveWithEvent();
      } else if (!ticket.cancelledOrderIds.includes(data.id)) {
        // Bookkeeping only: nothing replicated changed, so no version, no event.
        // Conditional on the version read: if the order's order:created locked
        // the ticket meanwhile, this cancel must release it instead (retried).
        const recorded = await Ticket.updateOne(
          { _id: ticket._id, version: ticket.version },
          { $addToSet: { cancelledOrderIds: data.id } },
        );
        if (recorded.matchedCount === 0) throw new mongoose.Error.VersionError(ticket, ticket.version, ['cancelledOrderIds']);
      }
    }, { ticketId: data.ticket.id, orderId: data.id });
    msg.ack();
  }
}
