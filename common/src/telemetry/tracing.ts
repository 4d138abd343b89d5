import {
  Context,
  context,
  Link,
  ROOT_CONTEXT,
  Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TextMapGetter,
  TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Delivery, EventInstrumentation, HandlingScope } from '../bus/instrumentation';
import type { EventEnvelope, Subjects } from '../events';
import { eventMetrics } from './metrics';

/**
 * Tracing of the event flow. Only the OpenTelemetry API is used here: while no
 * SDK is registered (tests, OTEL_SDK_DISABLED) every span is a no-op, so this
 * costs next to nothing. The SDK itself is started by ./register before a
 * service loads anything else.
 */
const tracer = trace.getTracer('@ticketing/common');

/**
 * W3C trace context (traceparent/tracestate) travels in the envelope itself,
 * so it crosses both transports and survives a stay in the outbox. The
 * propagator is used directly, not the global one, so a service that runs
 * the SDK with other propagators still reads what another service wrote.
 */
const w3c = new W3CTraceContextPropagator();

/** The trace fields an event envelope, an outbox entry or a job may carry. */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

const setter: TextMapSetter<TraceCarrier> = {
  set: (carrier, key, value) => {
    if (key === 'traceparent' || key === 'tracestate') carrier[key] = value;
  },
};
const getter: TextMapGetter<TraceCarrier> = {
  get: (carrier, key) => (key === 'traceparent' || key === 'tracestate' ? carrier[key] : undefined),
  keys: (carrier) => Object.keys(carrier).filter((k) => k === 'traceparent' || k === 'tracestate'),
};

/** The trace context of `ctx` (default: the active one) as carrier fields; {} when nothing is being traced. */
export function traceContextOf(ctx: Context = context.active()): TraceCarrier {
  const carrier: TraceCarrier = {};
  w3c.inject(ctx, carrier, setter);
  return carrier;
}

/** The context a carrier names, on top of `base` (default: a fresh root, so unrelated work never chains). */
export function contextFrom(carrier: TraceCarrier | undefined, base: Context = ROOT_CONTEXT): Context {
  if (!carrier?.traceparent) return base;
  return w3c.extract(base, carrier, getter);
}

const MESSAGING = { 'messaging.system': 'nats' } as const;

const eventAttributes = (subject: string, eventId: string) => ({
  ...MESSAGING,
  'messaging.destination.name': subject,
  'messaging.message.id': eventId,
});

/**
 * A trace kept from earlier work (the W3C context stored with a record) that
 * an event staged now continues, instead of the active one. `of` says what
 * the trace is of ('order'): the active span is tagged
 * `ticketing.<of>.trace_id` with it.
 */
export interface ContinuedTrace extends TraceCarrier {
  of: string;
}

/**
 * The "create" span of an event staged in the outbox: ended at once, its
 * context stored with the entry, so the relay's send (maybe much later, maybe
 * in another process) and every consumer join the trace of the request that
 * staged it.
 *
 * With `continued` (a valid kept context), the event belongs to that trace
 * instead: the create span is a child of the kept context, linked to the
 * active span (the request that staged it) and tagged with its trace id; the
 * active span gets a link to the create span and the kept trace's id. Tags as
 * well as links, because Zipkin shows no links. A payment, its own request,
 * so reads inside its order's trace, each side naming the other.
 */
export function traceStaged(subject: Subjects, eventId: string, continued?: ContinuedTrace): TraceCarrier {
  const active = context.active();
  const parent = continued && contextFrom(continued);
  const kept = parent && trace.getSpanContext(parent);
  const attributes = { ...eventAttributes(subject, eventId), 'messaging.operation.type': 'create' };
  if (!continued || !parent || !kept || !trace.isSpanContextValid(kept)) {
    const span = tracer.startSpan(`create ${subject}`, { kind: SpanKind.PRODUCER, attributes }, active);
    const carrier = traceContextOf(trace.setSpan(active, span));
    span.end();
    return carrier;
  }
  const caller = trace.getSpan(active);
  const callerContext = caller?.spanContext();
  const traced = callerContext && trace.isSpanContextValid(callerContext) ? callerContext : undefined;
  const span = tracer.startSpan(
    `create ${subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: { ...attributes, ...(traced ? { 'ticketing.staged_by.trace_id': traced.traceId } : {}) },
      links: traced ? [{ context: traced }] : [],
    },
    parent,
  );
  if (caller && traced) {
    caller.addLink({ context: span.spanContext() });
    caller.setAttribute(`ticketing.${continued.of}.trace_id`, kept.traceId);
  }
  const carrier = traceContextOf(trace.setSpan(parent, span));
  span.end();
  return carrier;
}

/**
 * Publishes an envelope inside a "send" span: a child of the context the
 * envelope already carries (an outbox entry's create span) or else of the
 * active one (a direct publish). The envelope leaves with the send span's
 * context, so consumers are its children. Counts the publish by subject.
 */
async function tracePublish(envelope: EventEnvelope, send: (outgoing: EventEnvelope) => Promise<void>): Promise<void> {
  const parent = envelope.traceparent ? contextFrom(envelope) : context.active();
  const span = tracer.startSpan(
    `send ${envelope.subject}`,
    {
      kind: SpanKind.PRODUCER,
      attributes: { ...eventAttributes(envelope.subject, envelope.id), 'messaging.operation.type': 'send' },
    },
    parent,
  );
  const sendContext = trace.setSpan(parent, span);
  const { traceparent: _staged, tracestate: _state, ...rest } = envelope;
  const outgoing = { ...rest, ...traceContextOf(sendContext) } as EventEnvelope;
  try {
    await context.with(sendContext, () => send(outgoing));
    eventMetrics.published.inc({ subject: envelope.subject });
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/**
 * One delivery's handling as a "process" span whose parent is the producer's
 * send span (and linked to it, as messaging conventions ask), with subject,
 * event id, queue group, delivery count and the outcome the listener reports
 * (see DeliveryOutcome); a failure is recorded on the span. The first ack
 * records the replica lag (event time → applied).
 */
function traceHandling({ subject, queueGroup, envelope, deliveryCount }: Delivery): HandlingScope {
  const producer = contextFrom(envelope);
  const producerSpan = trace.getSpanContext(producer);
  const links: Link[] = producerSpan ? [{ context: producerSpan }] : [];
  const span = tracer.startSpan(
    `process ${subject}`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: {
        ...eventAttributes(subject, envelope.id),
        'messaging.operation.type': 'process',
        'messaging.consumer.group.name': queueGroup,
        'messaging.message.delivery_count': deliveryCount,
      },
    },
    producer,
  );
  const labels = { subject, queue_group: queueGroup };
  if (deliveryCount > 1) eventMetrics.redelivered.inc(labels);
  return {
    run: (handler) => context.with(trace.setSpan(producer, span), handler),
    acked: () => {
      const lagSeconds = (Date.now() - Date.parse(envelope.time)) / 1000;
      if (Number.isFinite(lagSeconds)) eventMetrics.applyLag.observe(labels, Math.max(0, lagSeconds));
    },
    end: (outcome, err) => {
      if (outcome === 'failed') failSpan(span, err);
      span.setAttribute('ticketing.event.outcome', outcome);
      eventMetrics.handled.inc({ ...labels, outcome });
      span.end();
    },
  };
}

/** Traces and counts the event flow: the instrumentation a service gives its bus (connectBus). */
export const eventTelemetry: EventInstrumentation = {
  publish: tracePublish,
  handling: traceHandling,
  poisoned: (subject, queueGroup) => eventMetrics.poison.inc({ subject, queue_group: queueGroup }),
  givenUp: (subject, queueGroup) => eventMetrics.givenUp.inc({ subject, queue_group: queueGroup }),
};

/**
 * Runs deferred work (a delayed job) as a child of the trace that scheduled
 * it, so an expiration fired minutes later still belongs to its purchase.
 */
export async function traceDeferred<T>(name: string, carrier: TraceCarrier | undefined, attributes: Record<string, string | number>, work: () => Promise<T>): Promise<T> {
  const parent = contextFrom(carrier);
  const span = tracer.startSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

function failSpan(span: Span, err: unknown): void {
  // Only the error's class and message: never a payload that might hold a token.
  const error = err instanceof Error ? err : new Error(String(err));
  span.recordException({ name: error.name, message: error.message });
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message });
}

/** The active trace id, for log lines ('' when nothing is traced). */
export function activeTraceId(): string | undefined {
  const spanContext = trace.getSpanContext(context.active());
  return spanContext && trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}
