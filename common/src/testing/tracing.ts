import { context, propagation, trace, Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, ReadableSpan, Sampler, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface InMemoryTracing {
  /** Every span ended in this test file (reset it between tests). */
  exporter: InMemorySpanExporter;
  /** For spans a test makes itself (a request, a producer). */
  tracer: Tracer;
  /** The finished span with this id. */
  spanWithId(spanId: string): ReadableSpan | undefined;
}

/**
 * Registers a tracer provider that keeps every span in memory, for the whole
 * test file (the OpenTelemetry API is global): common's tracing, the
 * services' spans and a test's own then record for real, as under the SDK a
 * service starts (with its default W3C propagator for incoming requests),
 * and a test reads them back. `sampler`: the SDK's default (every trace
 * kept) unless given.
 */
export function useInMemoryTracing({ sampler }: { sampler?: Sampler } = {}): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)], ...(sampler ? { sampler } : {}) });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  trace.setGlobalTracerProvider(provider);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  afterAll(async () => {
    await provider.shutdown();
    contextManager.disable();
    trace.disable();
    propagation.disable();
    context.disable();
  });
  return {
    exporter,
    tracer: provider.getTracer('test'),
    spanWithId: (spanId) => exporter.getFinishedSpans().find((s) => s.spanContext().spanId === spanId),
  };
}
