import { randomUUID } from 'node:crypto';
import { ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { eventTelemetry, EventEnvelope, OrderStatus, OutboxRelay, Subjects, traceContextOf } from '@ticketing/common';
import { InMemoryBus, listenTo, newId, signin, useInMemoryTracing, useTestDatabase, waitFor } from '@ticketing/common/testing';
import request from 'supertest';
import { Order } from './data/order';
import { Payment } from './data/payment';
import { testApp } from './test/app';
import { createOrder } from './test/orders';
import { requireStripeMock, testStripe } from './test/stripe';
import { listenersOf } from './entry-points/listeners';

/*
 * Paying is a request of its own, yet one purchase reads as one trace: the
 * replica keeps the trace context of its order:created handling, and the
 * payment:created a successful payment stages continues that trace, linked
 * both ways to the payment request (which names the order's trace).
 */

useTestDatabase();
requireStripeMock();
const { exporter, tracer } = useInMemoryTracing();

const { stripe } = testStripe();
const app = testApp(stripe);
const bus = new InMemoryBus(eventTelemetry);
const relay = new OutboxRelay(bus, [Payment]);

beforeAll(() => listenTo(listenersOf(bus, stripe), Subjects.OrderCreated));
beforeEach(() => {
  bus.clear();
  exporter.reset();
});

const spansNamed = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const traceIdOf = (traceresponse: string) => /^00-([0-9a-f]{32})-/.exec(traceresponse)![1];

/** order:created as the orders service's relay sends it: with the context of its send span, in the order's trace. */
async function orderCreatedByOrders(userId: string) {
  const send = tracer.startSpan(`send ${Subjects.OrderCreated}`, { kind: SpanKind.PRODUCER });
  const data = {
    id: newId(),
    version: 0,
    status: OrderStatus.Created,
    userId,
    expiresAt: new Date(Date.now() + 15 * 60 * 1000).toISOString(),
    ticket: { id: newId(), price: 20 },
  };
  const envelope: EventEnvelope = {
    id: randomUUID(),
    subject: Subjects.OrderCreated,
    time: new Date().toISOString(),
    data,
    ...traceContextOf(trace.setSpan(ROOT_CONTEXT, send)),
  };
  send.end();
  expect(await bus.deliverEnvelope(envelope)).toBe(true);
  const [handling] = spansNamed(`process ${Subjects.OrderCreated}`).filter((s) => s.attributes['messaging.message.id'] === envelope.id);
  return { orderId: data.id, orderTrace: send.spanContext().traceId, send: send.spanContext(), handling };
}

/** Pays for the order as its buyer; the payment request's SERVER span and trace id. */
async function pay(userId: string, orderId: string) {
  const res = await request(app).post('/api/payments').set('Cookie', signin({ id: userId })).send({ token: 'tok_visa', orderId }).expect(201);
  const paymentTrace = traceIdOf(res.headers.traceresponse);
  // The SERVER span ends when the connection closes, just after the answer.
  await waitFor(() => exporter.getFinishedSpans().some((s) => s.kind === SpanKind.SERVER && s.spanContext().traceId === paymentTrace));
  const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER && s.spanContext().traceId === paymentTrace)!;
  await relay.flush();
  const created = bus.published.filter((e) => e.subject === Subjects.PaymentCreated);
  expect(created).toHaveLength(1);
  return { paymentTrace, server, published: created[0] };
}

describe('the order’s trace, kept for its payment', () => {
  it('order:created: the replica keeps the context of its handling, a child of the order’s send; clients never see it', async () => {
    const { orderId, orderTrace, send, handling } = await orderCreatedByOrders(newId());
    expect(handling.spanContext().traceId).toBe(orderTrace);
    expect(parentOf(handling)).toBe(send.spanId);
    const replica = await Order.findById(orderId);
    expect(replica!.traceparent).toBe(`00-${orderTrace}-${handling.spanContext().spanId}-01`);
    expect(replica!.toJSON()).not.toHaveProperty('traceparent');
  });

  it('payment:created is staged in the order’s trace, under the order:created handling, and the payment request and the staging name each other', async () => {
    const userId = newId();
    const { orderId, orderTrace, handling } = await orderCreatedByOrders(userId);
    const { paymentTrace, server, published } = await pay(userId, orderId);
    expect(paymentTrace).not.toBe(orderTrace);

    const [create] = spansNamed(`create ${Subjects.PaymentCreated}`);
    const [send] = spansNamed(`send ${Subjects.PaymentCreated}`);
    expect(create.spanContext().traceId).toBe(orderTrace);
    expect(parentOf(create)).toBe(handling.spanContext().spanId);
    expect(parentOf(send)).toBe(create.spanContext().spanId);
    // What the consumers (orders, tickets) continue: the send span, in the order's trace.
    expect(published.traceparent).toBe(`00-${orderTrace}-${send.spanContext().spanId}-01`);

    expect(server.name).toBe('POST /api/payments');
    expect(server.attributes['ticketing.order.trace_id']).toBe(orderTrace);
    expect(server.links.map((l) => l.context.spanId)).toEqual([create.spanContext().spanId]);
    expect(create.links.map((l) => l.context.spanId)).toEqual([server.spanContext().spanId]);
    expect(create.attributes['ticketing.staged_by.trace_id']).toBe(paymentTrace);

    // No card token in any span.
    expect(JSON.stringify(exporter.getFinishedSpans().map((s) => [s.name, s.attributes, s.events]))).not.toContain('tok_visa');
  });

  it('a replica stored before contexts were kept: payment:created stays in the payment request’s trace, nothing linked', async () => {
    const userId = newId();
    const order = await createOrder({ userId });
    const { paymentTrace, server, published } = await pay(userId, order.id);
    const [create] = spansNamed(`create ${Subjects.PaymentCreated}`);
    expect(create.spanContext().traceId).toBe(paymentTrace);
    expect(published.traceparent).toMatch(new RegExp(`^00-${paymentTrace}-`));
    expect(create.links).toEqual([]);
    expect(server.links).toEqual([]);
    expect(server.attributes['ticketing.order.trace_id']).toBeUndefined();
  });
});
