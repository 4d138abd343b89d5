import type { IRouter } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Prometheus metrics of a service, served as GET /metrics on the service's
 * own port (the gateway and the ingress route only /api/... and the client,
 * so the public never reaches it). Names follow Prometheus conventions:
 * seconds, `_total` counters, bounded labels (route templates, subjects).
 */
export const metricsRegistry = new Registry();

const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by method, route template and status code',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [metricsRegistry],
});

export const eventMetrics = {
  published: new Counter({
    name: 'events_published_total',
    help: 'Events the broker accepted, by subject',
    labelNames: ['subject'] as const,
    registers: [metricsRegistry],
  }),
  handled: new Counter({
    name: 'events_handled_total',
    help: 'Deliveries a listener handled, by subject, queue group and outcome (acked, waiting for an earlier version, failed)',
    labelNames: ['subject', 'queue_group', 'outcome'] as const,
    registers: [metricsRegistry],
  }),
  redelivered: new Counter({
    name: 'events_redelivered_total',
    help: 'Deliveries that were not the first of their event, by subject and queue group',
    labelNames: ['subject', 'queue_group'] as const,
    registers: [metricsRegistry],
  }),
  givenUp: new Counter({
    name: 'events_given_up_total',
    help: 'Events dropped after the maximum number of deliveries, by subject and queue group',
    labelNames: ['subject', 'queue_group'] as const,
    registers: [metricsRegistry],
  }),
  poison: new Counter({
    name: 'events_poison_total',
    help: 'Events dropped on arrival because their data breaks the event catalog, by subject and queue group',
    labelNames: ['subject', 'queue_group'] as const,
    registers: [metricsRegistry],
  }),
  applyLag: new Histogram({
    name: 'event_apply_lag_seconds',
    help: 'Replica lag: from the time an event was recorded to the ack of its applied effect',
    labelNames: ['subject', 'queue_group'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [metricsRegistry],
  }),
};

/** What an outbox holds that is not published yet. */
export interface OutboxBacklog {
  entries: number;
  oldestAgeSeconds: number;
}

/** Each observed outbox's reader, by collection name. */
const outboxes = new Map<string, () => Promise<OutboxBacklog>>();

async function readOutboxes(): Promise<Map<string, OutboxBacklog>> {
  const result = new Map<string, OutboxBacklog>();
  for (const [name, read] of outboxes) {
    try {
      result.set(name, await read());
    } catch {
      // Database unreachable: leave this collection out of this scrape.
    }
  }
  return result;
}

let outboxRead: Promise<Map<string, OutboxBacklog>> | undefined;
/** One read per scrape serves both gauges. */
const outboxSnapshot = () => {
  outboxRead ??= readOutboxes().finally(() => setImmediate(() => (outboxRead = undefined)));
  return outboxRead;
};

new Gauge({
  name: 'outbox_backlog',
  help: 'Events staged in the outbox and not yet published, by collection',
  labelNames: ['collection'] as const,
  registers: [metricsRegistry],
  async collect() {
    for (const [collection, { entries }] of await outboxSnapshot()) this.set({ collection }, entries);
  },
});

new Gauge({
  name: 'outbox_oldest_entry_age_seconds',
  help: 'Age of the oldest unpublished outbox entry (0 when empty), by collection',
  labelNames: ['collection'] as const,
  registers: [metricsRegistry],
  async collect() {
    for (const [collection, { oldestAgeSeconds }] of await outboxSnapshot()) this.set({ collection }, oldestAgeSeconds);
  },
});

/** The outbox relay calls this for each collection it drains, so /metrics shows its backlog. */
export function observeOutbox(collection: string, read: () => Promise<OutboxBacklog>): void {
  outboxes.set(collection, read);
}

/** Each relay's back-pressure state, by collection. */
const pressures = new Map<string, () => boolean>();

new Gauge({
  name: 'outbox_backpressure',
  help: 'Whether staging writes are held back or refused because the outbox backlog is at its bound (1) or not (0), by collection',
  labelNames: ['collection'] as const,
  registers: [metricsRegistry],
  collect() {
    for (const [collection, over] of pressures) this.set({ collection }, over() ? 1 : 0);
  },
});

/** The outbox relay calls this for each collection it drains, so /metrics shows when it holds writes back. */
export function observeOutboxPressure(collection: string, over: () => boolean): void {
  pressures.set(collection, over);
}

/** A job queue the service runs (Bull): its counts by state. */
export interface ObservedQueue {
  name: string;
  counts(): Promise<Record<string, number>>;
}
const queues = new Map<string, ObservedQueue>();

new Gauge({
  name: 'job_queue_depth',
  help: 'Jobs in a queue by state (waiting, delayed, active, failed, ...)',
  labelNames: ['queue', 'state'] as const,
  registers: [metricsRegistry],
  async collect() {
    for (const queue of queues.values()) {
      try {
        for (const [state, n] of Object.entries(await queue.counts())) this.set({ queue: queue.name, state }, n);
      } catch {
        // Redis unreachable: skip this scrape.
      }
    }
  },
});

const jobLateness = new Histogram({
  name: 'job_lateness_seconds',
  help: 'How late a delayed job ran: start of processing minus the time it was due',
  labelNames: ['queue'] as const,
  buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
  registers: [metricsRegistry],
});

export function observeQueue(queue: ObservedQueue): void {
  queues.set(queue.name, queue);
}

/** Records how late a job fired (dueAt in ms since the epoch). */
export function observeJobLateness(queue: string, dueAtMs: number, now = Date.now()): void {
  jobLateness.observe({ queue }, Math.max(0, (now - dueAtMs) / 1000));
}

/** Records one answered request; the route label is the matched template (never the raw path: ids would explode it). */
export function observeHttpRequest(method: string, route: string, statusCode: number, seconds: number): void {
  httpDuration.observe({ method, route, status_code: statusCode }, seconds);
}

let defaultsCollected = false;

/** Mounts GET /metrics (and process metrics: CPU, memory, event loop lag, GC). */
export function mountMetrics(app: IRouter): void {
  if (!defaultsCollected) {
    collectDefaultMetrics({ register: metricsRegistry });
    defaultsCollected = true;
  }
  app.get('/metrics', async (_req, res) => {
    res.set('Content-Type', metricsRegistry.contentType);
    res.send(await metricsRegistry.metrics());
  });
}
