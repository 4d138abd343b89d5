import { Event, EventBus, Handlers, listenAll, Listener, listenersFrom, logger, Subjects } from '@ticketing/common';
import { isValidObjectId } from 'mongoose';
import { cancelEventOrders } from '../../domain/event-cancellation';
import { applyEvent } from '../../domain/event-replica';
import { HoldLimit } from '../../domain/hold-limit';
import { completeOrder, expireOrder, refundOrder } from '../../domain/orders';
import { addTicket, updateTicket } from '../../domain/ticket-replica';
import { queueGroup } from './queue-group';

/** An order id that can never name an order: logged and acked (dropped) rather than redelivered. */
function malformedOrderId(subject: Subjects, orderId: string): boolean {
  if (isValidObjectId(orderId)) return false;
  logger.error({ orderId }, `${subject} for a malformed order id; dropped`);
  return true;
}

/** What each subject does here, one row per subject (checked against the event catalog by catalog.test.ts). */
export const handlersOf = (holds: HoldLimit): Handlers => ({
  // The replica of tickets, in version order (domain/ticket-replica.ts).
  [Subjects.TicketCreated]: (data) => addTicket(data),
  [Subjects.TicketUpdated]: (data) => updateTicket(data),
  // The order's lock ran out: cancel it (order:cancelled once) and free its ticket; a complete or cancelled order stays as it is.
  [Subjects.ExpirationComplete]: async (data) => {
    if (malformedOrderId(Subjects.ExpirationComplete, data.orderId)) return;
    const outcome = await expireOrder(data.orderId, holds);
    if (outcome === 'not-found') logger.warn({ orderId: data.orderId }, 'expiration:complete for an unknown order');
  },
  // Paid: created → complete and its ticket sold; an order cancelled meanwhile stays cancelled (payments refunds that charge).
  [Subjects.PaymentCreated]: async (data) => {
    if (malformedOrderId(Subjects.PaymentCreated, data.orderId)) return;
    const outcome = await completeOrder(data.orderId, holds);
    if (outcome === 'not-found') {
      logger.warn({ orderId: data.orderId, paymentId: data.id }, 'payment:created for an unknown order');
    } else if (outcome === 'cancelled') {
      logger.warn({ orderId: data.orderId, paymentId: data.id }, 'payment for a cancelled order; it stays cancelled');
    }
  },
  // The order's money went back (its event was cancelled): complete → refunded.
  [Subjects.PaymentRefunded]: async (data) => {
    if (malformedOrderId(Subjects.PaymentRefunded, data.orderId)) return;
    const outcome = await refundOrder(data.orderId);
    if (outcome === 'not-found') logger.warn({ orderId: data.orderId, paymentId: data.id }, 'payment:refunded for an unknown order');
  },
  // The replica of events (an edit may move its time).
  [Subjects.EventCreated]: (data) => applyEvent(data),
  [Subjects.EventUpdated]: (data) => applyEvent(data),
  // No new orders for its listings, and its unpaid orders are cancelled (domain/event-cancellation.ts).
  [Subjects.EventCancelled]: async (data) => {
    await cancelEventOrders(data);
  },
});

/** Every listener of the orders service. */
export const listenersOf = (bus: EventBus, holds: HoldLimit): Listener<Event>[] => listenersFrom(bus, queueGroup, handlersOf(holds));

export async function startListeners(bus: EventBus, holds: HoldLimit): Promise<void> {
  await listenAll(listenersOf(bus, holds));
}
