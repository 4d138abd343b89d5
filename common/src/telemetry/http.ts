import type { Request, RequestHandler, Response } from 'express';
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { observeHttpRequest } from './metrics';

const tracer = trace.getTracer('@ticketing/common/http');

/** The matched route template (never the raw path: ids would explode labels and span names). */
export const routeOf = (req: Request): string => (req.route ? `${req.baseUrl}${req.route.path}` : 'unmatched');

/**
 * Per request, one listener when the answer is done: its duration in the
 * metrics and, when tracing runs, the SERVER span of the request.
 *
 * The span is ours, not @opentelemetry/instrumentation-http's: that
 * instrumentation (kept for outgoing calls, e.g. Stripe) rebinds every
 * listener of every request and response to the context and computes two
 * dozen attributes, which costs more than the cheapest routes' own work. Here: the
 * caller's W3C context, one span named by the route template, the request's
 * work (mongodb, ioredis, events) as its children, and a W3C `traceresponse`
 * header (00-<trace id>-<span id>-<flags>) so a client, a test or a person
 * with devtools can open this request's trace in the viewer (only for a
 * trace that is kept: there is nothing to open otherwise). Without a
 * registered SDK every call here is the API's no-op.
 */
export const httpTelemetry: RequestHandler = (req, res, next) => {
  const startedAt = performance.now();
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  // The method is all the sampler needs (./sampler); the rest only for a span that is kept.
  const span = tracer.startSpan(req.method, { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method } }, parent);
  if (span.isRecording()) {
    span.setAttributes({ 'url.path': req.path, 'url.scheme': req.protocol });
    const spanContext = span.spanContext();
    const flags = spanContext.traceFlags.toString(16).padStart(2, '0');
    res.setHeader('traceresponse', `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`);
  }
  // 'close' comes after 'finish' for an answer sent, alone for a connection cut before it.
  res.once('close', () => requestDone(req, res, span, startedAt));
  context.with(trace.setSpan(parent, span), next);
};

function requestDone(req: Request, res: Response, span: ReturnType<typeof tracer.startSpan>, startedAt: number): void {
  const route = routeOf(req);
  const answered = res.writableFinished;
  if (answered) observeHttpRequest(req.method, route, res.statusCode, (performance.now() - startedAt) / 1000);
  if (!span.isRecording()) return;
  span.updateName(`${req.method} ${route}`);
  span.setAttribute('http.route', route);
  span.setAttribute('http.response.status_code', res.statusCode);
  if (!answered) span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection closed before the answer was sent' });
  else if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}
