import type { RequestHandler } from 'express';
import { context, trace } from '@opentelemetry/api';
import { httpMetrics } from './metrics';

/**
 * Per request: its duration in the metrics and, when it is traced, a W3C
 * `traceresponse` header (00-<trace id>-<span id>-<flags>) so a client, a test
 * or a person with devtools can open this request's trace in the viewer.
 */
export const httpTelemetry: RequestHandler = (req, res, next) => {
  const spanContext = trace.getSpanContext(context.active());
  if (spanContext && trace.isSpanContextValid(spanContext)) {
    const flags = spanContext.traceFlags.toString(16).padStart(2, '0');
    res.setHeader('traceresponse', `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`);
  }
  httpMetrics(req, res, next);
};
