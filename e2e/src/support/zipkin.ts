// Reading traces back from the system's Zipkin (started by scripts/infra.sh
// when the system runs with tracing): its v2 JSON API.

/** One span as Zipkin's API returns it (timestamps and durations in microseconds). */
export interface ZipkinSpan {
  traceId: string;
  id: string;
  parentId?: string;
  name?: string;
  kind?: string;
  timestamp?: number;
  duration?: number;
  localEndpoint?: { serviceName?: string };
  tags?: Record<string, string>;
}

/** The trace id of a W3C `traceresponse` header (00-<trace>-<span>-<flags>). */
export function traceIdOf(headers: { get(name: string): string | null } | Record<string, string>): string {
  const value = typeof headers.get === 'function' ? (headers as { get(n: string): string | null }).get('traceresponse') : (headers as Record<string, string>).traceresponse;
  const m = /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(value ?? '');
  if (!m) throw new Error(`no traceresponse header with a trace id (got ${JSON.stringify(value)})`);
  return m[1];
}

const apiBase = (zipkinUrl: string) => zipkinUrl.replace(/\/zipkin\/?$/, '');

export async function fetchTrace(zipkinUrl: string, traceId: string): Promise<ZipkinSpan[]> {
  const res = await fetch(`${apiBase(zipkinUrl)}/api/v2/trace/${traceId}`, { signal: AbortSignal.timeout(5000) });
  if (res.status === 404) return [];
  if (!res.ok) throw new Error(`Zipkin answered ${res.status} for trace ${traceId}`);
  return (await res.json()) as ZipkinSpan[];
}

export interface TraceSummary {
  services: string[];
  spans: number;
  /** First span start to last span end. */
  totalMs: number;
  /** "service: span name" of each span, in start order. */
  lines: string[];
}

export function summarize(spans: ZipkinSpan[]): TraceSummary {
  const start = Math.min(...spans.map((s) => s.timestamp ?? Infinity));
  const end = Math.max(...spans.map((s) => (s.timestamp ?? 0) + (s.duration ?? 0)));
  const sorted = [...spans].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
  return {
    services: [...new Set(spans.map((s) => s.localEndpoint?.serviceName ?? '?'))].sort(),
    spans: spans.length,
    totalMs: (end - start) / 1000,
    lines: sorted.map((s) => `+${(((s.timestamp ?? start) - start) / 1000).toFixed(1)}ms ${s.localEndpoint?.serviceName}: ${s.name} (${((s.duration ?? 0) / 1000).toFixed(1)}ms)`),
  };
}

/**
 * What one order's trace must cross (service, span name): POST /api/orders →
 * order:created → tickets, payments, expiration → ticket:updated → orders.
 */
export const ORDER_CROSSINGS: ReadonlyArray<readonly [string, string]> = [
  ['orders', 'send order:created'],
  ['tickets', 'process order:created'],
  ['payments', 'process order:created'],
  ['expiration', 'process order:created'],
  ['tickets', 'send ticket:updated'],
  ['orders', 'process ticket:updated'],
];

/**
 * What the order's trace crosses once it is paid: paying is a request of its
 * own, but payments stages payment:created in the order's trace (the context
 * kept on its replica by order:created): payments → payment:created → orders,
 * tickets, notifications (the buyer's order-paid, the seller's ticket-sold).
 */
export const PAYMENT_CROSSINGS: ReadonlyArray<readonly [string, string]> = [
  ['payments', 'create payment:created'],
  ['payments', 'send payment:created'],
  ['orders', 'process payment:created'],
  ['tickets', 'process payment:created'],
  ['notifications', 'process payment:created'],
];

/** A paid purchase's trace: the order's crossings and the payment's. */
export const PURCHASE_CROSSINGS: ReadonlyArray<readonly [string, string]> = [...ORDER_CROSSINGS, ...PAYMENT_CROSSINGS];

/** Does the trace have a span of this service with this name? */
export const hasSpan = (spans: ZipkinSpan[], service: string, name: string) =>
  spans.some((s) => s.localEndpoint?.serviceName === service && s.name === name);

/** Polls the trace until `done` holds (spans arrive in batches from each service). */
export async function waitForTrace(
  zipkinUrl: string,
  traceId: string,
  done: (spans: ZipkinSpan[]) => boolean,
  timeoutMs = 30000,
): Promise<ZipkinSpan[]> {
  const deadline = Date.now() + timeoutMs;
  let spans: ZipkinSpan[] = [];
  for (;;) {
    spans = await fetchTrace(zipkinUrl, traceId).catch(() => spans);
    if (spans.length && done(spans)) return spans;
    if (Date.now() > deadline) {
      const seen = spans.length ? summarize(spans).lines.join('\n  ') : '(no spans)';
      throw new Error(`trace ${traceId} incomplete after ${timeoutMs / 1000}s; it has:\n  ${seen}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}
