import { mongo } from 'mongoose';
import { EventBus } from '../bus/event-bus';
import { ServiceBusyError } from '../errors';
import { EventEnvelope } from '../events';
import type { ReadinessCheck } from '../http/app';
import { logger } from '../logger';
import { backoffDelay } from '../retry/retry';
import { observeOutbox, observeOutboxPressure } from '../telemetry/metrics';
import { OUTBOX_MARKER, OutboxEntry, OutboxModel, outboxBacklog, OutboxWatcher, watchStaged } from './outbox';

/** The metrics read at most this many records per scrape: a backlog that large is alarm enough. */
const BACKLOG_SCAN_LIMIT = 1000;
/** The first retry after a failed publish or scan comes soon: the broker or database may have blinked. */
const RETRY_BASE_MS = 500;

export interface OutboxRelayOptions {
  /**
   * Recovery scan (default 30 s): finds, by the indexed marker, entries left
   * by a crash or staged by another process. Writes in this process hand the
   * relay their record at once, so this runs seldom.
   */
  pollIntervalMs?: number;
  /** Longest wait between retries while the broker is down. */
  maxBackoffMs?: number;
  /** Records the recovery scan reads per page. */
  batchSize?: number;
  /**
   * Records worked on at once (default 16): each costs a read, its publishes
   * and one write; more at once only queue up in the database.
   */
  concurrency?: number;
  /**
   * The back-pressure bound (default 500): entries of one collection this
   * process knows are not published yet. At the bound the relay says so
   * (readiness, the `outbox_backpressure` metric, a warning) and staging
   * writes wait for the backlog to fall, then are refused.
   */
  maxBacklog?: number;
  /** How long a staging write waits for the backlog to fall below its bound before it is refused (default 2 s). */
  busyWaitMs?: number;
  /**
   * How long a staging write waits for its event to be published (default
   * 2 s): long enough for a broker that answers, short enough that a broker
   * outage only slows writes (the entry is stored and published later).
   * 0: writers do not wait (the publish still starts at once).
   */
  publishWaitMs?: number;
}

const toEnvelope = (entry: OutboxEntry): EventEnvelope =>
  ({
    id: entry.id,
    subject: entry.subject,
    time: new Date(entry.time).toISOString(),
    ...(entry.requestId ? { requestId: entry.requestId } : {}),
    ...(entry.traceparent ? { traceparent: entry.traceparent, tracestate: entry.tracestate } : {}),
    data: entry.data,
  }) as EventEnvelope;

/** One record the relay works on: at most one run at a time, so its entries go out in order. */
interface Lane {
  key: string;
  model: OutboxModel;
  id: unknown;
  /** Queued for a run, or running. */
  busy: boolean;
  /** Written (or found) again while running: run again once this run ends. */
  again: boolean;
  /** Entries of the record not published by this relay yet, as far as it knows. */
  pending: Set<string>;
  /** Callers waiting for an entry to be published (saveWithEvent), by entry id. */
  waiters: Map<string, Array<() => void>>;
  /** The last run failed: retried after a back-off. */
  failed: boolean;
}

/** A collection's backlog as this process knows it, and the bound. */
interface Pressure {
  unpublished: number;
  over: boolean;
  /** Staging writes waiting for the backlog to fall. */
  waiting: Array<() => void>;
}

/**
 * Publishes what models staged in their outbox, oldest first per record, and
 * removes the entries once the broker has them.
 *
 * A staging write (saveWithEvent) hands the relay its record as soon as it
 * commits, and the relay works on that record at once: it reads the record
 * by _id, publishes every entry it holds in order, then removes them all
 * with one write (by `_id`, conditional on nothing staged since, which also
 * drops the marker). One record is never in two runs at once, so its events
 * go out in order; a record written while it is being worked on is run again
 * right after, and takes everything staged meanwhile in that one run. The
 * writer waits for its entry's publish (bounded), so the event is out when
 * it answers, as if it had published it itself.
 *
 * The outbox stays the safety net: an entry is removed only after the broker
 * has it, a recovery scan over the marker (`outboxPending`, set in the
 * staging write) runs at start and every pollIntervalMs for entries left by
 * a crash or another process, and while the broker is down the relay retries
 * with back-off. A crash between publish and removal re-publishes the entry:
 * consumers drop duplicates by event id.
 *
 * Back-pressure: past `maxBacklog` unpublished entries of a collection
 * known to this process, the relay fails readiness, sets the metric, logs a
 * warning, and holds staging writes back (then refuses them), rather than
 * accept writes whose events would be out minutes later.
 */
export class OutboxRelay {
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  readonly maxBacklog: number;
  private readonly busyWaitMs: number;
  private readonly publishWaitMs: number;
  private readonly lanes = new Map<string, Lane>();
  /** Lanes waiting for one of the `concurrency` slots, in order. */
  private readonly ready: Lane[] = [];
  private active = 0;
  private readonly pressure = new Map<string, Pressure>();
  /** Waiting for every lane to be done (flush). */
  private idleWaiters: Array<() => void> = [];
  /** Entries published since start (flush() reports the difference). */
  private publishedCount = 0;
  /** The first failure since a flush() began, for it to report. */
  private failureSeen?: { err: unknown };
  private failures = 0;
  private retryTimer?: NodeJS.Timeout;
  private scanTimer?: NodeJS.Timeout;
  private scanning?: Promise<void>;
  private scanFailures = 0;
  private stopped = true;
  /** No scan has run yet: the first one also finds entries staged before the marker existed. */
  private firstScan = true;
  /** Stop watching the models' staging writes (set while started). */
  private unwatch: Array<() => void> = [];

  constructor(
    private readonly bus: EventBus,
    private readonly models: OutboxModel[],
    options: OutboxRelayOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 30000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.batchSize = options.batchSize ?? 100;
    this.concurrency = Math.max(1, options.concurrency ?? 16);
    this.maxBacklog = Math.max(1, options.maxBacklog ?? 500);
    this.busyWaitMs = options.busyWaitMs ?? 2000;
    this.publishWaitMs = options.publishWaitMs ?? 2000;
    for (const model of models) {
      const name = model.collection.name;
      this.pressure.set(name, { unpublished: 0, over: false, waiting: [] });
      observeOutbox(name, () => outboxBacklog(model, BACKLOG_SCAN_LIMIT));
      observeOutboxPressure(name, () => this.pressureOf(name).over);
    }
  }

  start(): void {
    this.stopped = false;
    for (const fn of this.unwatch) fn();
    this.unwatch = this.models.map((model) => watchStaged(model, this.watcherOf(model)));
    this.scanInBackground();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const fn of this.unwatch) fn();
    this.unwatch = [];
    clearTimeout(this.retryTimer);
    clearTimeout(this.scanTimer);
    this.retryTimer = this.scanTimer = undefined;
    await this.scanning;
    await this.idle();
    // Nobody will publish for them any more: writers waiting on a publish or a slot go on.
    for (const lane of this.lanes.values()) this.releaseWaiters(lane);
    for (const pressure of this.pressure.values()) pressure.waiting.splice(0).forEach((wake) => wake());
  }

  /**
   * Readiness: false, with the reason, while a collection's backlog is at
   * its bound (writes are being held back or refused).
   */
  readonly readiness: ReadinessCheck = () => {
    for (const [collection, pressure] of this.pressure) {
      if (pressure.over) return `outbox backlog of ${collection} at its bound (${pressure.unpublished} ≥ ${this.maxBacklog} unpublished events)`;
    }
    return true;
  };

  /** Unpublished entries this process knows of, per collection (what the bound is about). */
  unpublished(collection: string): number {
    return this.pressureOf(collection).unpublished;
  }

  /**
   * Publishes everything pending now (a full marker scan included): resolves
   * with the entries published meanwhile once no record is being worked on;
   * rejects if the scan or a publish failed.
   */
  async flush(): Promise<number> {
    const before = this.publishedCount;
    this.failureSeen = undefined;
    await this.scanning;
    await this.findMarked();
    for (const lane of this.lanes.values()) if (lane.failed) this.wake(lane);
    await this.idle();
    // (Set by the runs meanwhile: not the undefined assigned above.)
    const failure = this.failureSeen as { err: unknown } | undefined;
    this.failureSeen = undefined;
    if (failure) throw failure.err;
    return this.publishedCount - before;
  }

  private watcherOf(model: OutboxModel): OutboxWatcher {
    const collection = model.collection.name;
    return {
      admit: () => this.admit(collection),
      staged: (id, entryId) => this.staged(model, id, entryId),
    };
  }

  private pressureOf(collection: string): Pressure {
    return this.pressure.get(collection)!;
  }

  /** A staging write may go ahead below the bound; at it, it waits up to busyWaitMs for the backlog to fall, then is refused. */
  private async admit(collection: string): Promise<void> {
    const pressure = this.pressureOf(collection);
    if (!pressure.over) return;
    const deadline = Date.now() + this.busyWaitMs;
    while (pressure.over && !this.stopped) {
      const left = deadline - Date.now();
      if (left <= 0) throw new ServiceBusyError(Math.max(1, Math.ceil(this.busyWaitMs / 1000)));
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        pressure.waiting.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** A staging write committed: the record is worked on now; resolves once the entry is out (or after publishWaitMs). */
  private staged(model: OutboxModel, id: unknown, entryId: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    const lane = this.laneOf(model, id);
    this.addPending(lane, entryId);
    if (this.failures > 0 || this.publishWaitMs === 0) {
      // (While the broker or the database is failing, waiting would only slow the writer: the entry is stored.)
      this.wake(lane);
      return Promise.resolve();
    }
    const published = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.publishWaitMs);
      const waiters = lane.waiters.get(entryId) ?? [];
      waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
      lane.waiters.set(entryId, waiters);
    });
    this.wake(lane);
    return published;
  }

  private laneOf(model: OutboxModel, id: unknown): Lane {
    const key = `${model.collection.name}\u0000${String(id)}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = { key, model, id, busy: false, again: false, pending: new Set(), waiters: new Map(), failed: false };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  private addPending(lane: Lane, entryId: string): void {
    if (lane.pending.has(entryId)) return;
    lane.pending.add(entryId);
    this.count(lane.model.collection.name, +1);
  }

  /** The entry is out (published here, or gone from the record: another relay published it). */
  private settle(lane: Lane, entryId: string): void {
    if (lane.pending.delete(entryId)) this.count(lane.model.collection.name, -1);
    const waiters = lane.waiters.get(entryId);
    lane.waiters.delete(entryId);
    waiters?.forEach((wake) => wake());
  }

  private releaseWaiters(lane: Lane): void {
    for (const waiters of lane.waiters.values()) waiters.forEach((wake) => wake());
    lane.waiters.clear();
  }

  private count(collection: string, delta: number): void {
    const pressure = this.pressureOf(collection);
    pressure.unpublished += delta;
    const over = pressure.unpublished >= this.maxBacklog;
    if (over && !pressure.over) {
      logger.warn(
        { collection, unpublished: pressure.unpublished, bound: this.maxBacklog },
        'outbox backlog at its bound: staging writes are held back, then refused, until it drains',
      );
    } else if (!over && pressure.over) {
      logger.info({ collection, unpublished: pressure.unpublished, bound: this.maxBacklog }, 'outbox backlog below its bound again');
    }
    pressure.over = over;
    if (!over) pressure.waiting.splice(0).forEach((wake) => wake());
  }

  /** Queues the record for a run, or asks its running run for another. */
  private wake(lane: Lane): void {
    if (lane.busy) {
      lane.again = true;
      return;
    }
    lane.busy = true;
    lane.again = false;
    this.ready.push(lane);
    this.pump();
  }

  /** Starts queued records while slots are free. */
  private pump(): void {
    while (this.active < this.concurrency && this.ready.length) {
      const lane = this.ready.shift()!;
      this.active += 1;
      void this.run(lane);
    }
  }

  private async run(lane: Lane): Promise<void> {
    lane.again = false;
    try {
      await this.flushRecord(lane);
      lane.failed = false;
      this.failures = 0;
    } catch (err) {
      lane.failed = true;
      this.failureSeen ??= { err };
      this.failures += 1;
      if (this.failures === 1 || this.failures % 20 === 0) {
        logger.warn({ err, failures: this.failures }, 'outbox publish failed; will retry');
      }
      this.scheduleRetry();
    }
    this.active -= 1;
    lane.busy = false;
    if (lane.again && !lane.failed) {
      // Written while it ran: its next run goes to the back of the queue, so one busy record does not hold a slot.
      this.wake(lane);
    } else if (!lane.failed && lane.pending.size === 0 && lane.waiters.size === 0) {
      this.lanes.delete(lane.key);
    }
    this.pump();
    if (this.active === 0 && this.ready.length === 0) this.idleWaiters.splice(0).forEach((wake) => wake());
  }

  /** Resolves when no record is queued or being worked on. */
  private idle(): Promise<void> {
    if (this.active === 0 && this.ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Wakes every failed record after a back-off (one timer for all). */
  private scheduleRetry(): void {
    if (this.stopped || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      for (const lane of this.lanes.values()) if (lane.failed) this.wake(lane);
    }, this.backoff(this.failures));
  }

  /** The wait after the n-th failure in a row. */
  private backoff(failures: number): number {
    return backoffDelay({ attempt: failures, baseMs: RETRY_BASE_MS, maxMs: this.maxBackoffMs });
  }

  /**
   * One run of one record: reads it by _id, publishes its entries in order,
   * then removes them all with one write by `_id`. That write's condition
   * (the last entry read is still the last one) says nothing was staged
   * since, so it drops the marker too; when something was, a plain removal
   * by value (`$pullAll`: removing twice removes nothing else) leaves the
   * marker to the run that staging write asked for.
   */
  private async flushRecord(lane: Lane): Promise<void> {
    const collection = lane.model.collection;
    const byId = { _id: lane.id } as mongo.Filter<mongo.Document>;
    const doc = await collection.findOne(byId, { projection: { outbox: 1, [OUTBOX_MARKER]: 1 } });
    const entries = (doc?.outbox ?? []) as OutboxEntry[];
    const stored = new Set(entries.map((e) => e.id));
    // Not in the record any more: another relay published and removed it.
    for (const id of [...lane.pending]) if (!stored.has(id)) this.settle(lane, id);
    for (const id of [...lane.waiters.keys()]) if (!stored.has(id)) this.settle(lane, id);
    for (const entry of entries) this.addPending(lane, entry.id);
    if (!doc) return;
    if (entries.length === 0) {
      // A marker on an empty outbox (a crash after the removal): drop it.
      if (doc[OUTBOX_MARKER] === true) await collection.updateOne({ ...byId, 'outbox.0': { $exists: false } }, { $unset: { [OUTBOX_MARKER]: '' } });
      return;
    }
    for (const entry of entries) {
      await this.bus.publish(toEnvelope(entry));
      this.publishedCount += 1;
      this.settle(lane, entry.id);
    }
    // $pullAll of the entries as read: exact equality ($pull with a condition is not understood by every server).
    // (Cast: the driver's UpdateFilter of an untyped document cannot type an array field.)
    const pull = { $pullAll: { outbox: entries } } as unknown as mongo.UpdateFilter<mongo.Document>;
    const last = entries.length - 1;
    const nothingSince = { ...byId, [`outbox.${last + 1}`]: { $exists: false }, [`outbox.${last}.id`]: entries[last].id };
    const removed = await collection.updateOne(nothingSince, { ...pull, $unset: { [OUTBOX_MARKER]: '' } });
    if (removed.modifiedCount === 0) await collection.updateOne(byId, pull);
  }

  /** The recovery scan, off the writes' path; then again every pollIntervalMs (sooner after a failure). */
  private scanInBackground(): void {
    if (this.scanning || this.stopped) return;
    clearTimeout(this.scanTimer);
    this.scanning = this.findMarked().then(
      () => {
        this.scanFailures = 0;
        return this.pollIntervalMs;
      },
      (err) => {
        this.scanFailures += 1;
        if (this.scanFailures === 1 || this.scanFailures % 20 === 0) {
          logger.warn({ err, failures: this.scanFailures }, 'outbox recovery scan failed; will retry');
        }
        return this.backoff(this.scanFailures);
      },
    ).then((next) => {
      this.scanning = undefined;
      if (!this.stopped) this.scanTimer = setTimeout(() => this.scanInBackground(), next);
    });
  }

  /**
   * Recovery: queues every record the marker names, page by page (an index
   * lookup on MongoDB; it runs seldom all the same).
   */
  private async findMarked(): Promise<void> {
    const filter = this.firstScan
      ? { $or: [{ [OUTBOX_MARKER]: true }, { 'outbox.0': { $exists: true } }] }
      : { [OUTBOX_MARKER]: true };
    for (const model of this.models) {
      let lastId: unknown;
      for (;;) {
        const page = lastId === undefined ? filter : { $and: [filter, { _id: { $gt: lastId } }] };
        const docs = await model.collection
          .find(page as mongo.Filter<mongo.Document>, { projection: { _id: 1 } })
          .sort({ _id: 1 })
          .limit(this.batchSize)
          .toArray();
        for (const doc of docs) this.wake(this.laneOf(model, doc._id));
        if (docs.length < this.batchSize) break;
        lastId = docs[docs.length - 1]._id;
      }
    }
    this.firstScan = false;
  }
}
