import { OrderStatus } from '@ticketing/common';
import { newId } from '@ticketing/common/testing';
import { Order, OrderAttrs } from '../data/order';
import { Payment, PaymentStatus } from '../data/payment';

/** An order replica as the order:created listener would store it; payable for 15 minutes by default. */
export async function createOrder(attrs: Partial<OrderAttrs> = {}) {
  return Order.build({
    id: newId(),
    userId: newId(),
    price: 20,
    status: OrderStatus.Created,
    version: 0,
    expiresAt: new Date(Date.now() + 15 * 60 * 1000),
    ...attrs,
  }).save();
}

/** A recorded successful payment for an order. */
export async function createSucceededPayment(orderId: string, stripeId = `pi_test${newId()}`) {
  return Payment.build({ orderId, attemptKey: `payment-${orderId}-0`, stripeId, amount: 2000, status: PaymentStatus.Succeeded }).save();
}
