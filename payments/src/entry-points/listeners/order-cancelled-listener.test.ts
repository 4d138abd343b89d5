import { NotYetError, OrderStatus, Subjects } from '@ticketing/common';
import { InMemoryBus, listenerOf, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { Order } from '../../data/order';
import { Payment, PaymentStatus } from '../../data/payment';
import { createOrder, createSucceededPayment } from '../../test/orders';
import { apiError, requireStripeMock, testStripe } from '../../test/stripe';
import { listenersOf } from '.';

useTestDatabase();
requireStripeMock();

const { stripe, http } = testStripe();
const bus = new InMemoryBus();
beforeAll(() => listenTo(listenersOf(bus, stripe), Subjects.OrderCancelled));
beforeEach(() => {
  bus.clear();
  http.reset();
});

const cancelled = (id: string, version = 1) => ({ id, version, ticket: { id: newId() } });
const envelopeOf = (id: string, data: ReturnType<typeof cancelled>) => ({
  id,
  subject: Subjects.OrderCancelled as const,
  time: new Date().toISOString(),
  data,
});
const refunds = () => http.to('POST', '/v1/refunds');

describe('order:cancelled listener', () => {
  it('marks the replica cancelled at the event’s version and acks', async () => {
    const order = await createOrder();
    expect(await bus.deliver(Subjects.OrderCancelled, cancelled(order.id))).toBe(true);
    expect((await Order.findById(order.id))!.toJSON()).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
    expect(http.requests).toHaveLength(0);
    expect(bus.published).toHaveLength(0);
  });

  it('does not ack a version it cannot apply yet, nor an order it does not know', async () => {
    const order = await createOrder();
    expect(await bus.deliver(Subjects.OrderCancelled, cancelled(order.id, 2))).toBe(false);
    expect((await Order.findById(order.id))!.toJSON()).toMatchObject({ status: OrderStatus.Created, version: 0 });
    expect(await bus.deliver(Subjects.OrderCancelled, cancelled(newId()))).toBe(false);
    // As a "not yet": redelivered after a short back-off, not after the ack wait.
    const listener = listenerOf(listenersOf(bus, stripe), Subjects.OrderCancelled);
    const msg = { ack: jest.fn(), deliveryCount: 1, eventId: 'evt-early', time: new Date() };
    await expect(listener.onMessage(cancelled(order.id, 2), msg)).rejects.toBeInstanceOf(NotYetError);
    await expect(listener.onMessage(cancelled(newId()), msg)).rejects.toBeInstanceOf(NotYetError);
    expect(msg.ack).not.toHaveBeenCalled();
  });

  it('acks a duplicate delivery without changing anything', async () => {
    const order = await createOrder();
    const envelope = envelopeOf('evt-cancel', cancelled(order.id));
    expect(await bus.deliverEnvelope(envelope)).toBe(true);
    expect(await bus.deliverEnvelope(envelope, 2)).toBe(true);
    expect((await Order.findById(order.id))!.toJSON()).toMatchObject({ status: OrderStatus.Cancelled, version: 1 });
    expect(http.requests).toHaveLength(0);
    expect(bus.published).toHaveLength(0);
  });

  it('refunds a payment that went through for the order, records the refund, then acks', async () => {
    const order = await createOrder();
    const payment = await createSucceededPayment(order.id);
    expect(await bus.deliver(Subjects.OrderCancelled, cancelled(order.id))).toBe(true);

    const stored = await Payment.findById(payment.id);
    expect(stored).toMatchObject({ status: PaymentStatus.Refunded, stripeRefundId: expect.stringMatching(/^re_/) });
    expect(refunds()).toHaveLength(1);
    expect(refunds()[0].params.get('payment_intent')).toBe(payment.stripeId);
    expect(refunds()[0].params.get('metadata[orderId]')).toBe(order.id);
    expect(refunds()[0].headers['idempotency-key']).toBe(`refund-${payment.stripeId}`);
    expect(bus.published).toHaveLength(0);
  });

  it('refunds once when the event is delivered twice', async () => {
    const order = await createOrder();
    const payment = await createSucceededPayment(order.id);
    const envelope = envelopeOf('evt-refund', cancelled(order.id));
    expect(await bus.deliverEnvelope(envelope)).toBe(true);
    const first = await Payment.findById(payment.id);
    expect(await bus.deliverEnvelope(envelope, 2)).toBe(true);
    const second = await Payment.findById(payment.id);
    expect(second!.toJSON()).toEqual(first!.toJSON());
    expect(refunds()).toHaveLength(1);
  });

  it('leaves failed attempts alone', async () => {
    const order = await createOrder();
    const declined = Payment.build({ orderId: order.id, attemptKey: `payment-${order.id}-0`, amount: 2000, status: PaymentStatus.Failed, failureMessage: 'Your card was declined.' });
    await declined.save();
    expect(await bus.deliver(Subjects.OrderCancelled, cancelled(order.id))).toBe(true);
    expect(http.requests).toHaveLength(0);
  });

  it('does not ack while Stripe refuses the refund; a redelivery finishes it', async () => {
    const order = await createOrder();
    const payment = await createSucceededPayment(order.id);
    http.answer('POST', '/v1/refunds', 500, apiError());
    const envelope = envelopeOf('evt-retry', cancelled(order.id));

    expect(await bus.deliverEnvelope(envelope)).toBe(false);
    expect(await Payment.findById(payment.id)).toMatchObject({ status: PaymentStatus.Succeeded, refundDue: true });
    // The replica is already cancelled: the redelivery goes straight to the refund.
    expect((await Order.findById(order.id))!.status).toBe(OrderStatus.Cancelled);

    expect(await bus.deliverEnvelope(envelope, 2)).toBe(true);
    const refunded = await Payment.findById(payment.id);
    expect(refunded).toMatchObject({ status: PaymentStatus.Refunded, stripeRefundId: expect.stringMatching(/^re_/) });
    expect(refunded!.refundDue).toBeUndefined();
    // Both tries carried the same key: Stripe refunds the charge once.
    expect(refunds().map((r) => r.headers['idempotency-key'])).toEqual([`refund-${payment.stripeId}`, `refund-${payment.stripeId}`]);
  });
});
