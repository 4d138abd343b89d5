import { EventCategory, EventStatus, OutboxRelay, Subjects } from '@ticketing/common';
import { InMemoryBus, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { CancelledEvent } from '../../data/cancelled-event';
import { Payment, PaymentStatus, RefundReason } from '../../data/payment';
import { CANCELLED, payOrder, recordSucceeded } from '../../domain/charges';
import { createOrder, createSucceededPayment } from '../../test/orders';
import { apiError, requireStripeMock, testStripe } from '../../test/stripe';
import { listenersOf } from '.';

useTestDatabase();
requireStripeMock();

const { stripe, http } = testStripe();
const bus = new InMemoryBus();
const relay = new OutboxRelay(bus, [Payment]);
beforeAll(() => listenTo(listenersOf(bus, stripe), Subjects.EventCancelled));
beforeEach(() => {
  bus.clear();
  http.reset();
});

const cancelledEvent = (id = newId()) => ({
  id,
  version: 1,
  name: 'Summer Tour',
  venue: 'Arena',
  city: 'Springfield',
  startsAt: new Date(Date.now() + 86_400_000).toISOString(),
  category: EventCategory.Concert,
  status: EventStatus.Cancelled,
  organizerId: newId(),
});
const envelopeOf = (id: string, data: ReturnType<typeof cancelledEvent>) => ({ id, subject: Subjects.EventCancelled as const, time: new Date().toISOString(), data });
const refunds = () => http.to('POST', '/v1/refunds');
const refundKeys = () => refunds().map((r) => r.headers['idempotency-key']);
async function announced() {
  await relay.flush();
  return bus.publishedData(Subjects.PaymentRefunded);
}

/** An event with `paid` orders paid and `unpaid` orders not, and a paid order of another event. */
async function eventWithOrders(paid: number, unpaid: number) {
  const eventId = newId();
  const paidOrders = await Promise.all(Array.from({ length: paid }, () => createOrder({ eventId })));
  const payments = await Promise.all(paidOrders.map((o) => createSucceededPayment(o.id)));
  const unpaidOrders = await Promise.all(Array.from({ length: unpaid }, () => createOrder({ eventId })));
  const other = await createOrder({ eventId: newId() });
  const otherPayment = await createSucceededPayment(other.id);
  return { eventId, paidOrders, payments, unpaidOrders, otherPayment };
}

describe('event:cancelled listener (the buyer guarantee)', () => {
  it("refunds every paid order of the event in full, once each, announces each refund, and acks", async () => {
    const { eventId, payments, otherPayment } = await eventWithOrders(3, 2);
    expect(await bus.deliver(Subjects.EventCancelled, cancelledEvent(eventId))).toBe(true);

    for (const payment of payments) {
      expect(await Payment.findById(payment.id)).toMatchObject({ status: PaymentStatus.Refunded, stripeRefundId: expect.stringMatching(/^re_/) });
    }
    expect(refundKeys().sort()).toEqual(payments.map((p) => `refund-${p.stripeId}`).sort());
    expect(refunds().map((r) => r.params.get('payment_intent')).sort()).toEqual(payments.map((p) => p.stripeId).sort());
    // Another event's payment is kept.
    expect((await Payment.findById(otherPayment.id))!.status).toBe(PaymentStatus.Succeeded);
    expect(await CancelledEvent.exists({ _id: eventId })).not.toBeNull();
    const events = await announced();
    expect(events.map((e) => e.orderId).sort()).toEqual(payments.map((p) => p.orderId).sort());
    for (const e of events) {
      const payment = (await Payment.findById(e.id))!;
      expect(e).toEqual({ id: payment.id, orderId: payment.orderId, stripeRefundId: payment.stripeRefundId, amount: 2000 });
    }
  });

  it('changes nothing more when delivered again, or twice at once (two replicas)', async () => {
    const { eventId, payments } = await eventWithOrders(4, 1);
    const envelope = envelopeOf('evt-cancel', cancelledEvent(eventId));
    const acks = await Promise.all([bus.deliverEnvelope(envelope), bus.deliverEnvelope(envelope, 1)]);
    expect(acks).toEqual([true, true]);
    const after = await Payment.find({ orderId: { $in: payments.map((p) => p.orderId) } }).lean();
    expect(await bus.deliverEnvelope(envelope, 2)).toBe(true);
    expect(await Payment.find({ orderId: { $in: payments.map((p) => p.orderId) } }).lean()).toEqual(after);
    // Two replicas may both ask Stripe, always under the payment's one key: one refund each.
    expect(new Set(refundKeys()).size).toBe(4);
    expect(await announced()).toHaveLength(4);
  });

  it('does not ack while Stripe refuses a refund; the refund stays due, and a redelivery finishes it, announced once', async () => {
    const { eventId, payments } = await eventWithOrders(2, 0);
    http.answer('POST', '/v1/refunds', 500, apiError());
    const envelope = envelopeOf('evt-retry', cancelledEvent(eventId));
    expect(await bus.deliverEnvelope(envelope)).toBe(false);
    expect(await Payment.find({ refundDue: true, refundReason: RefundReason.EventCancelled })).toHaveLength(1);
    expect(await bus.deliverEnvelope(envelope, 2)).toBe(true);
    for (const payment of payments) expect((await Payment.findById(payment.id))!.status).toBe(PaymentStatus.Refunded);
    expect(await Payment.find({ refundDue: true })).toHaveLength(0);
    expect(await announced()).toHaveLength(2);
  });

  it("refuses to charge an order of a cancelled event, before orders' cancel arrives", async () => {
    const eventId = newId();
    const order = await createOrder({ eventId });
    expect(await bus.deliver(Subjects.EventCancelled, cancelledEvent(eventId))).toBe(true);
    await expect(payOrder(stripe, { orderId: order.id, userId: order.userId, token: 'pm_card_visa' })).rejects.toMatchObject({ statusCode: 400, message: CANCELLED });
    expect(http.requests).toHaveLength(0);
  });

  it('refunds, announced, a payment that succeeds after the cancellation (a late webhook, or the buyer paying at that moment)', async () => {
    const eventId = newId();
    const order = await createOrder({ eventId });
    const attempt = await Payment.build({ orderId: order.id, attemptKey: `payment-${order.id}-0`, amount: 2000, status: PaymentStatus.Pending }).save();
    expect(await bus.deliver(Subjects.EventCancelled, cancelledEvent(eventId))).toBe(true);
    expect(refunds()).toHaveLength(0); // nothing was charged yet

    const intent = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', metadata: { orderId: order.id } });
    const settled = await recordSucceeded(stripe, attempt, { ...intent, status: 'succeeded' });
    expect(settled.refundedForCancelledOrder).toBe(true);
    expect(await Payment.findById(attempt.id)).toMatchObject({ status: PaymentStatus.Refunded, stripeRefundId: expect.stringMatching(/^re_/) });
    expect(refundKeys()).toEqual([`refund-${intent.id}`]);
    expect((await announced()).map((e) => e.orderId)).toEqual([order.id]);
    // Its payment:created went out too (the success was recorded first): orders completes, then refunds it.
    expect(bus.publishedData(Subjects.PaymentCreated).map((e) => e.orderId)).toEqual([order.id]);
  });
});
