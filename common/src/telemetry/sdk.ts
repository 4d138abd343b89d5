import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ZipkinExporter } from '@opentelemetry/exporter-zipkin';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { onTelemetryStop } from './lifecycle';
import { samplerFromEnv } from './sampler';

/**
 * Which exporter the environment asks for:
 *   OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none   no tracing
 *   OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT                   OTLP over HTTP (Kubernetes: the collector)
 *   OTEL_EXPORTER_ZIPKIN_ENDPOINT                          Zipkin v2 JSON (npm start: the local Zipkin)
 * Nothing set: no tracing (nowhere to send spans).
 */
export function exporterFromEnv(): { kind: 'otlp' | 'zipkin'; create: () => SpanExporter } | undefined {
  const { OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER } = process.env;
  if (/^(true|1)$/i.test(OTEL_SDK_DISABLED ?? '') || /^none$/i.test(OTEL_TRACES_EXPORTER ?? '')) return undefined;
  const preferZipkin = /^zipkin$/i.test(OTEL_TRACES_EXPORTER ?? '');
  const zipkin = process.env.OTEL_EXPORTER_ZIPKIN_ENDPOINT;
  // The OTLP exporter reads these itself (…/v1/traces is appended to the general endpoint).
  const otlp = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (zipkin && (preferZipkin || !otlp)) return { kind: 'zipkin', create: () => new ZipkinExporter({ url: zipkin }) };
  if (otlp) return { kind: 'otlp', create: () => new OTLPTraceExporter() };
  return undefined;
}

/** OTEL_SERVICE_NAME, else SERVICE_NAME, else the package in the working directory (@ticketing/orders → orders). */
export function serviceNameFromEnv(cwd = process.cwd()): string {
  const name = process.env.OTEL_SERVICE_NAME || process.env.SERVICE_NAME;
  if (name) return name;
  try {
    const { name } = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { name?: string };
    if (name) return name.replace(/^@ticketing\//, '');
  } catch {
    /* no package.json here */
  }
  return 'ticketing-service';
}

let provider: NodeTracerProvider | undefined;

/**
 * Starts OpenTelemetry's Node tracing SDK (`@opentelemetry/sdk-trace-node`:
 * the tracer provider with the async-local-storage context manager and the
 * W3C trace-context propagator, spans batched to the exporter) with the HTTP
 * (outgoing), MongoDB, mongoose and ioredis instrumentations. Must run before
 * those modules are loaded (see ./register). Returns false when the
 * environment turns tracing off.
 *
 * Not `@opentelemetry/sdk-node`'s NodeSDK, which wraps the same provider: it
 * loads every exporter it could be configured with (gRPC, protobuf, metrics,
 * logs, Prometheus), 2,000 modules and 55 MB of memory in each service, where
 * this loads 400 and 22 MB (node -e, process.memoryUsage().rss), and the
 * services' idle memory is held under 150 MB.
 */
export function startTelemetry(): boolean {
  if (provider) return true;
  const exporter = exporterFromEnv();
  if (!exporter) return false;
  const sampler = samplerFromEnv();
  provider = new NodeTracerProvider({
    // The service name and OTEL_RESOURCE_ATTRIBUTES only: the host and
    // process detectors would add ~15 attributes (the command line among
    // them) that the Zipkin exporter copies onto every span, paid for in
    // each export.
    resource: detectResources({ detectors: [envDetector] }).merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceNameFromEnv() })),
    spanProcessors: [new BatchSpanProcessor(exporter.create())],
    // Every write, event and job; a share of reads (./sampler). OTEL_TRACES_SAMPLER, when set, wins.
    ...(sampler ? { sampler } : {}),
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      // Outgoing calls only (Stripe's charges, any call to another service).
      // Incoming requests get their SERVER span from common's app
      // (../telemetry/http.ts), named by the route template, after the
      // health routes and /metrics (untraced): the instrumentation's own
      // rebinds every listener of every request and response and cost half
      // a cheap request's CPU; Express's instrumentation, one wrapper per
      // layer, is not needed once the server span carries the route.
      new HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
      // Statements are recorded with their values replaced by '?' (the default): no user data in spans.
      // The driver's span of each command only: mongoose's instrumentation added a second span around
      // every one of them (about a fifth of a purchase's spans), and the relay's and the FerretDB adapter's
      // raw commands have only the driver's.
      new MongoDBInstrumentation({ enhancedDatabaseReporting: false }),
      new IORedisInstrumentation(),
    ],
  });
  const running = provider;
  // runService's graceful shutdown calls stopTelemetry(): spans still in the batch are sent.
  onTelemetryStop(() => running.shutdown());
  return true;
}
