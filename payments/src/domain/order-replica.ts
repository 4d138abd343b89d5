import { EventData, isDuplicateKey, NotYetError, OrderStatus, Subjects, TraceCarrier } from '@ticketing/common';
import Stripe from 'stripe';
import { Order } from '../data/order';
import { refundOrderPayments } from './refunds';

/**
 * order:created — stores the order replica: who may pay, how much, until
 * when, and the trace its handling belongs to (`trace`: the order's, which
 * its payment:created continues). A redelivery finds it stored.
 */
export async function addOrder(data: EventData<Subjects.OrderCreated>, trace: TraceCarrier = {}): Promise<void> {
  const order = Order.build({
    id: data.id,
    userId: data.userId,
    price: data.ticket.price,
    // Version-1 messages carry no total: such an order charges its price (data/order.ts: amountDue).
    ...(data.total !== undefined ? { total: data.total } : {}),
    status: data.status,
    version: data.version,
    expiresAt: new Date(data.expiresAt),
    ...(data.ticket.eventId ? { eventId: data.ticket.eventId } : {}),
    ...(trace.traceparent ? { traceparent: trace.traceparent, ...(trace.tracestate ? { tracestate: trace.tracestate } : {}) } : {}),
  });
  try {
    await order.save();
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/**
 * order:cancelled — marks the replica cancelled (in version order) and
 * refunds a payment that went through for it anyway (the race with
 * expiration). Resolves only once the refund is recorded.
 */
export async function cancelOrder(stripe: Stripe, data: EventData<Subjects.OrderCancelled>): Promise<void> {
  const applied = await Order.findOneAndUpdate(
    { _id: data.id, version: data.version - 1 },
    { $set: { status: OrderStatus.Cancelled, version: data.version } },
    { new: true },
  );
  if (!applied) {
    const current = await Order.findById(data.id);
    // Unknown order (its order:created still on its way), or an earlier version still missing.
    if (!current || current.version < data.version) {
      throw new NotYetError('order:cancelled ahead of the replica', { orderId: data.id, version: data.version, holding: current?.version ?? null });
    }
    // Applied by an earlier delivery. Its refund may not have been recorded: do it again (idempotent).
    if (current.status !== OrderStatus.Cancelled) return;
  }
  await refundOrderPayments(stripe, data.id);
}
