import { EventBus, Listener, ListenerMessage, NotYetError, OrderCancelledEvent, OrderStatus, QueueGroups, Subjects } from '@ticketing/common';
import Stripe from 'stripe';
import { Order } from '../../data/order';
import { refundOrderPayments } from '../../domain/refunds';

/**
 * Marks the replica cancelled (in version order) and refunds a payment that
 * went through for it anyway (the race with expiration). Acks only once the
 * refund is recorded.
 */
export class OrderCancelledListener extends Listener<OrderCancelledEvent> {
  readonly subject = Subjects.OrderCancelled;
  readonly queueGroupName = QueueGroups.Payments;

  constructor(
    bus: EventBus,
    private readonly stripe: Stripe,
  ) {
    super(bus);
  }

  async onMessage(data: OrderCancelledEvent['data'], msg: ListenerMessage): Promise<void> {
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
      if (current.status !== OrderStatus.Cancelled) {
        msg.ack();
        return;
      }
    }
    await refundOrderPayments(this.stripe, data.id);
    msg.ack();
  }
}
