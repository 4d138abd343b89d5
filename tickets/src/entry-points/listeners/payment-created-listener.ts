import { Listener, ListenerMessage, logger, NotYetError, PaymentCreatedEvent, Subjects } from '@ticketing/common';
import { Ticket, TicketStatus } from '../../data/ticket';
import { decideOnCurrentTicket } from '../../domain/retry';
import { queueGroupName } from './queue-group';

/**
 * Marks the ticket locked by the paid order as sold (it stays locked by that
 * order for good), bumps the version and publishes ticket:updated.
 */
export class PaymentCreatedListener extends Listener<PaymentCreatedEvent> {
  readonly subject = Subjects.PaymentCreated;
  readonly queueGroupName = queueGroupName;

  async onMessage(data: PaymentCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await decideOnCurrentTicket(async () => {
      const ticket = await Ticket.findOne({ orderId: data.orderId });
      if (!ticket) {
        if (await Ticket.exists({ cancelledOrderIds: data.orderId })) {
          // Paid after it was cancelled: payments refunds it; the ticket is not sold.
          logger.warn({ orderId: data.orderId, paymentId: data.id }, 'payment:created for a cancelled order ignored');
          return;
        }
        // Its order:created has not locked the ticket here yet: retried shortly.
        throw new NotYetError('no ticket is locked by the paid order yet', { orderId: data.orderId, paymentId: data.id });
      }
      if (ticket.status === TicketStatus.Sold) return; // already applied (a redelivery)
      ticket.set({ soldAt: new Date() });
      await ticket.saveWithEvent();
    }, { orderId: data.orderId, paymentId: data.id });
    msg.ack();
  }
}
