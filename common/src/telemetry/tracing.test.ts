import { randomUUID } from 'node:crypto';
import { context, SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import mongoose from 'mongoose';
import { BrokerProcess } from '../bus/contract/brokers';
import { EventBus } from '../bus/event-bus';
import { Listener, ListenerMessage } from '../bus/listener';
import { publishEvent } from '../bus/publisher';
import { Subjects, TicketCreatedEvent } from '../events';
import { outboxPlugin, OutboxRelay, saveWithEvent, WithOutbox } from '../outbox';
import { useInMemoryTracing, useTestDatabase, waitFor } from '../testing';
import { metricsRegistry } from './metrics';
import { eventTelemetry, traceContextOf } from './tracing';

/*
 * The trace context crosses both real transports and a stay in the outbox:
 * spans go to an in-memory exporter, and each consumer span must have the
 * producer's send span as its parent (and link), in the request's trace.
 */

jest.setTimeout(60000);
useTestDatabase();

const { exporter, tracer: testTracer } = useInMemoryTracing();

type Data = TicketCreatedEvent['data'];
type Behaviour = (msg: ListenerMessage) => Promise<void>;

/** Publishes ticket:created straight to one bus. */
const ticketCreated = (bus: Parameters<typeof publishEvent>[0]) => ({
  publish: (data: TicketCreatedEvent['data']) => publishEvent(bus, Subjects.TicketCreated, data),
});

class TracedListener extends Listener<TicketCreatedEvent> {
  readonly subject = Subjects.TicketCreated;
  handled = 0;
  /** Earlier tests' events a new group is replayed (acked at once). */
  replays = 0;
  constructor(
    bus: EventBus,
    readonly queueGroupName: string,
    private readonly marker: string,
    private readonly behaviour: Behaviour = async (msg) => msg.ack(),
  ) {
    super(bus);
  }
  async onMessage(data: Data, msg: ListenerMessage): Promise<void> {
    if (data.title !== this.marker) {
      this.replays += 1;
      return msg.ack(); // replays of earlier tests' events
    }
    try {
      await this.behaviour(msg);
    } finally {
      this.handled += 1;
    }
  }
}

interface TracedTicket extends WithOutbox {
  title: string;
}
const TracedTicketModel = mongoose.model<TracedTicket>('TracedTicket', new mongoose.Schema<TracedTicket>({ title: String }).plugin(outboxPlugin));

const ticket = (title: string): Data => ({ id: new mongoose.Types.ObjectId().toHexString(), version: 0, title, price: 10, userId: 'user-secret-42' });

const spansNamed = (name: string, eventId?: string) =>
  exporter.getFinishedSpans().filter((s) => s.name === name && (!eventId || s.attributes['messaging.message.id'] === eventId));
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** Inside a span standing for the HTTP request that caused the event. */
async function inRequest<T>(fn: () => Promise<T>, name = 'POST /api/tickets'): Promise<{ result: T; request: ReadableSpan }> {
  const span = testTracer.startSpan(name, { kind: SpanKind.SERVER });
  const result = await context.with(trace.setSpan(context.active(), span), fn);
  span.end();
  const request = exporter.getFinishedSpans().find((s) => s.spanContext().spanId === span.spanContext().spanId)!;
  return { result, request };
}

const counter = async (name: string, labels: Record<string, string>) => {
  const metric = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
};

describe.each(['stan', 'jetstream'] as const)('trace context over %s', (kind) => {
  const broker = new BrokerProcess(kind);
  let buses: EventBus[] = [];
  const openBus = async (): Promise<EventBus> => {
    const bus = await broker.connectBus(`trace-${randomUUID().slice(0, 8)}`, { ackWaitMs: 1000, maxDeliver: 100, instrumentation: eventTelemetry });
    buses.push(bus);
    return bus;
  };
  const group = () => `traced-${randomUUID().slice(0, 8)}`;

  beforeAll(() => broker.start());
  afterEach(async () => {
    await Promise.all(buses.map((b) => b.close()));
    buses = [];
    exporter.reset();
  });
  afterAll(() => broker.destroy());

  it('outbox: request → create → send (relay, later) → process, one trace, the consumer a child of the send', async () => {
    const [producerBus, consumerBus] = await Promise.all([openBus(), openBus()]);
    const marker = `t-${randomUUID()}`;
    const queueGroup = group();
    const listener = new TracedListener(consumerBus, queueGroup, marker);
    await listener.listen();

    const doc = new TracedTicketModel({ title: marker });
    const { request } = await inRequest(async () => {
      await saveWithEvent(doc, Subjects.TicketCreated, ticket(marker));
    });
    const eventId = doc.outbox[0].id;
    // The relay runs outside the request, as it does in a service (its own timer).
    const relay = new OutboxRelay(producerBus, [TracedTicketModel]);
    await context.with(context.active(), () => relay.flush());
    await waitFor(() => spansNamed(`process ${Subjects.TicketCreated}`, eventId).length === 1);

    const [create] = spansNamed(`create ${Subjects.TicketCreated}`, eventId);
    const [send] = spansNamed(`send ${Subjects.TicketCreated}`, eventId);
    const [processSpan] = spansNamed(`process ${Subjects.TicketCreated}`, eventId);
    const traceId = request.spanContext().traceId;
    for (const span of [create, send, processSpan]) expect(span.spanContext().traceId).toBe(traceId);
    expect(parentOf(create)).toBe(request.spanContext().spanId);
    expect(parentOf(send)).toBe(create.spanContext().spanId);
    expect(parentOf(processSpan)).toBe(send.spanContext().spanId);
    expect(processSpan.links.map((l) => l.context.spanId)).toEqual([send.spanContext().spanId]);
    expect(create.kind).toBe(SpanKind.PRODUCER);
    expect(send.kind).toBe(SpanKind.PRODUCER);
    expect(processSpan.kind).toBe(SpanKind.CONSUMER);
    expect(processSpan.attributes).toMatchObject({
      'messaging.destination.name': Subjects.TicketCreated,
      'messaging.message.id': eventId,
      'messaging.consumer.group.name': queueGroup,
      'messaging.message.delivery_count': 1,
      'ticketing.event.outcome': 'acked',
    });
    // No event data (here a user id) in any span.
    const everything = JSON.stringify(exporter.getFinishedSpans().map((s) => [s.name, s.attributes, s.events]));
    expect(everything).not.toContain('user-secret-42');
  });

  it('staged in a kept trace: create → send → process continue it, the staging request and the create span link each other', async () => {
    const [producerBus, consumerBus] = await Promise.all([openBus(), openBus()]);
    const marker = `t-${randomUUID()}`;
    await new TracedListener(consumerBus, group(), marker).listen();
    // Earlier work (an order's event handled) keeps its context with a record…
    const { result: kept, request: earlier } = await inRequest(async () => traceContextOf(), 'POST /api/orders');
    // …which a later, unrelated request continues when it stages an event.
    const doc = new TracedTicketModel({ title: marker });
    const { request } = await inRequest(async () => {
      await saveWithEvent(doc, Subjects.TicketCreated, ticket(marker), undefined, { continueTrace: { ...kept, of: 'order' } });
    }, 'POST /api/payments');
    const eventId = doc.outbox[0].id;
    await new OutboxRelay(producerBus, [TracedTicketModel]).flush();
    await waitFor(() => spansNamed(`process ${Subjects.TicketCreated}`, eventId).length === 1);

    const [create] = spansNamed(`create ${Subjects.TicketCreated}`, eventId);
    const [send] = spansNamed(`send ${Subjects.TicketCreated}`, eventId);
    const [processSpan] = spansNamed(`process ${Subjects.TicketCreated}`, eventId);
    const keptTrace = earlier.spanContext().traceId;
    expect(request.spanContext().traceId).not.toBe(keptTrace);
    for (const span of [create, send, processSpan]) expect(span.spanContext().traceId).toBe(keptTrace);
    expect(parentOf(create)).toBe(earlier.spanContext().spanId);
    expect(parentOf(send)).toBe(create.spanContext().spanId);
    expect(parentOf(processSpan)).toBe(send.spanContext().spanId);
    // Each side names the other: links, and tags for viewers that show no links (Zipkin).
    expect(create.links.map((l) => l.context.spanId)).toEqual([request.spanContext().spanId]);
    expect(create.attributes['ticketing.staged_by.trace_id']).toBe(request.spanContext().traceId);
    expect(request.links.map((l) => l.context.spanId)).toEqual([create.spanContext().spanId]);
    expect(request.attributes['ticketing.order.trace_id']).toBe(keptTrace);
  });

  it('direct publish: the consumer is a child of the send span, which is a child of the active span', async () => {
    const [producerBus, consumerBus] = await Promise.all([openBus(), openBus()]);
    const marker = `t-${randomUUID()}`;
    await new TracedListener(consumerBus, group(), marker).listen();
    const { result: envelope, request } = await inRequest(() => ticketCreated(producerBus).publish(ticket(marker)));
    await waitFor(() => spansNamed(`process ${Subjects.TicketCreated}`, envelope.id).length === 1);
    const [send] = spansNamed(`send ${Subjects.TicketCreated}`, envelope.id);
    const [processSpan] = spansNamed(`process ${Subjects.TicketCreated}`, envelope.id);
    expect(parentOf(send)).toBe(request.spanContext().spanId);
    expect(parentOf(processSpan)).toBe(send.spanContext().spanId);
    expect(processSpan.spanContext().traceId).toBe(request.spanContext().traceId);
  });

  it('records each delivery: waiting (no ack), failed (threw), then acked, with delivery counts and metrics', async () => {
    const [producerBus, consumerBus] = await Promise.all([openBus(), openBus()]);
    const marker = `t-${randomUUID()}`;
    const queueGroup = group();
    let deliveries = 0;
    const listener = new TracedListener(consumerBus, queueGroup, marker, async (msg) => {
      deliveries += 1;
      if (deliveries === 1) return; // an earlier version is missing: no ack
      if (deliveries === 2) throw new Error('database unreachable');
      msg.ack();
    });
    await listener.listen();
    const labels = { subject: Subjects.TicketCreated, queue_group: queueGroup };
    const { result: envelope } = await inRequest(() => ticketCreated(producerBus).publish(ticket(marker)));
    await waitFor(() => spansNamed(`process ${Subjects.TicketCreated}`, envelope.id).length === 3, 20000);

    const processes = spansNamed(`process ${Subjects.TicketCreated}`, envelope.id);
    expect(processes.map((s) => [s.attributes['messaging.message.delivery_count'], s.attributes['ticketing.event.outcome']])).toEqual([
      [1, 'waiting'],
      [2, 'failed'],
      [3, 'acked'],
    ]);
    const [send] = spansNamed(`send ${Subjects.TicketCreated}`, envelope.id);
    for (const span of processes) expect(parentOf(span)).toBe(send.spanContext().spanId);
    expect(processes[1].status.code).toBe(2); // ERROR
    expect(await counter('events_handled_total', { ...labels, outcome: 'waiting' })).toBe(1);
    expect(await counter('events_handled_total', { ...labels, outcome: 'failed' })).toBe(1);
    expect(await counter('events_handled_total', { ...labels, outcome: 'acked' })).toBe(1 + listener.replays);
    expect(await counter('events_redelivered_total', labels)).toBe(2);
    const lag = (await metricsRegistry.getMetricsAsJSON()).find((m) => m.name === 'event_apply_lag_seconds')!;
    const lagCount = lag.values.find((v) => (v as { metricName?: string }).metricName === 'event_apply_lag_seconds_count' && v.labels.queue_group === queueGroup);
    expect(lagCount?.value).toBe(1 + listener.replays);
  });
});

describe('staging in a kept trace that is not there', () => {
  afterEach(() => exporter.reset());

  it.each([
    ['a record kept before there was a context', {}],
    ['a context that names no valid span', { traceparent: '00-00000000000000000000000000000000-0000000000000000-01' }],
  ])('%s: the event stays in the staging request’s trace, nothing linked', async (_case, kept) => {
    const doc = new TracedTicketModel({ title: `t-${randomUUID()}` });
    const { request } = await inRequest(async () => {
      await saveWithEvent(doc, Subjects.TicketCreated, ticket(doc.title), undefined, { continueTrace: { ...kept, of: 'order' } });
    }, 'POST /api/payments');
    const [create] = spansNamed(`create ${Subjects.TicketCreated}`, doc.outbox[0].id);
    expect(create.spanContext().traceId).toBe(request.spanContext().traceId);
    expect(parentOf(create)).toBe(request.spanContext().spanId);
    expect(create.links).toEqual([]);
    expect(create.attributes['ticketing.staged_by.trace_id']).toBeUndefined();
    expect(request.links).toEqual([]);
    expect(request.attributes['ticketing.order.trace_id']).toBeUndefined();
    expect(doc.outbox[0].traceparent).toContain(create.spanContext().spanId);
  });
});
