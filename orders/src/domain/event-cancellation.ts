import { EventData, Subjects } from '@ticketing/common';
import { unpaidOrderIdsOfEvent } from '../data/order';
import { applyEvent } from './event-replica';
import { cancelOrder } from './orders';

/**
 * event:cancelled — the event joins the replica as cancelled (no new
 * orders: placeOrder reads it), then every unpaid order for its listings is
 * cancelled through the normal path (order:cancelled, seats given back).
 * The mark is written before the orders are read, and placeOrder reads the
 * event after writing its order (orders.ts: undoIfEventCancelled), so no
 * order slips between. Runs in full on every delivery: a redelivery, a crash
 * half-way or a second replica only finds orders already cancelled. Paid
 * orders are the payments service's: it refunds them (payment:refunded).
 * Resolves with how many orders this run cancelled.
 */
export async function cancelEventOrders(data: EventData<Subjects.EventCancelled>): Promise<number> {
  await applyEvent(data);
  const orderIds = await unpaidOrderIdsOfEvent(data.id);
  let cancelled = 0;
  // One after another: a cancel is two writes, and hundreds at once would only queue on the database.
  for (const orderId of orderIds) {
    if ((await cancelOrder(orderId)) === 'cancelled') cancelled += 1;
  }
  return cancelled;
}
