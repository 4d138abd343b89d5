import { mongo } from 'mongoose';
import { EventBus } from '../bus/event-bus';
import { EventEnvelope } from '../events';
import { logger } from '../logger';
import { backoffDelay } from '../retry/retry';
import { observeOutbox } from '../telemetry/metrics';
import { OUTBOX_MARKER, OutboxEntry, OutboxModel, outboxBacklog, watchStaged } from './outbox';

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
  batchSize?: number;
  /**
   * Records published at once (default 8). Each costs a few database round
   * trips and a broker ack one after the other, so one at a time, events
   * queue up behind each other under load.
   */
  concurrency?: number;
}

/**
 * Runs fn over items, at most `limit` at once. Settles only when every item
 * is done (nothing is left running behind the caller's back), then rejects
 * with the first error if there was one.
 */
async function eachConcurrently<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.err;
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

/**
 * Publishes what models staged in their outbox, oldest first per record, and
 * removes each entry once the broker has it. A write that stages an entry
 * tells the relay its record (outboxPlugin), and the relay reads just that
 * record by _id: the cost per write does not grow with the collection. A
 * recovery scan over the marker (`outboxPending`, set in the staging write)
 * runs at start and then every pollIntervalMs. While the broker is down it
 * retries with back-off. A crash between publish and removal re-publishes the
 * entry: consumers are idempotent and JetStream drops it by event id.
 */
export class OutboxRelay {
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly batchSize: number;
  private readonly concurrency: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  /** The recovery scan in progress, beside the passes (it only queues what it finds). */
  private scanning?: Promise<void>;
  private scanFailures = 0;
  private again = false;
  private failures = 0;
  private stopped = true;
  /** Records written in this process with entries to publish: collection name → ids. */
  private readonly queued = new Map<string, Map<string, unknown>>();
  /** A scan is due (start, the poll interval, a failure). */
  private scanDue = true;
  /** No scan has run yet: the first one also finds entries staged before the marker existed. */
  private firstScan = true;
  private lastScanAt = 0;
  private readonly byCollection: Map<string, OutboxModel>;
  /** Stop watching the models' saves (set while started). */
  private unwatch: Array<() => void> = [];

  private enqueue(collection: string, id: unknown): void {
    let ids = this.queued.get(collection);
    if (!ids) this.queued.set(collection, (ids = new Map()));
    ids.set(String(id), id);
  }

  constructor(
    private readonly bus: EventBus,
    private readonly models: OutboxModel[],
    options: OutboxRelayOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 30000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.batchSize = options.batchSize ?? 100;
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.byCollection = new Map(models.map((m) => [m.collection.name, m]));
    for (const model of models) observeOutbox(model.collection.name, () => outboxBacklog(model, BACKLOG_SCAN_LIMIT));
  }

  start(): void {
    this.stopped = false;
    for (const fn of this.unwatch) fn();
    this.unwatch = this.models.map((model) =>
      watchStaged(model, (id) => {
        this.enqueue(model.collection.name, id);
        this.schedule(0);
      }),
    );
    this.scanDue = true;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const fn of this.unwatch) fn();
    this.unwatch = [];
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
    await this.scanning;
  }

  /** Runs one pass after delayMs; while a pass is in progress, asks it for another when it ends. */
  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    // A flush() started since this was scheduled: it runs the next pass when it ends.
    if (this.running) {
      this.again = true;
      return;
    }
    if (Date.now() - this.lastScanAt >= this.pollIntervalMs) this.scanDue = true;
    if (this.scanDue) this.scanInBackground();
    // A failure is counted, logged and retried by run(); nobody awaits a tick.
    await this.run().catch(() => undefined);
  }

  /**
   * The recovery scan, off the passes' path: a server that does not use the
   * marker's index reads the whole collection, and while the scan ran inside
   * a pass every event written meanwhile waited for it. It only queues the
   * ids it finds; passes publish them.
   */
  private scanInBackground(): void {
    if (this.scanning || this.stopped) return;
    this.scanDue = false;
    this.scanning = this.findMarked(true).then(
      () => {
        this.scanFailures = 0;
      },
      (err) => {
        this.scanFailures += 1;
        // Due again after a back-off (the same as the publishes').
        this.lastScanAt = Date.now() - this.pollIntervalMs + this.backoff(this.scanFailures);
        if (this.scanFailures === 1 || this.scanFailures % 20 === 0) {
          logger.warn({ err, failures: this.scanFailures }, 'outbox recovery scan failed; will retry');
        }
      },
    );
    void this.scanning.then(() => {
      this.scanning = undefined;
      this.schedule(this.queued.size ? 0 : this.untilScan());
    });
  }

  /** The wait after the n-th failure in a row. */
  private backoff(failures: number): number {
    return backoffDelay({ attempt: failures, baseMs: RETRY_BASE_MS, maxMs: this.maxBackoffMs });
  }

  private untilScan(): number {
    return Math.max(0, this.pollIntervalMs - (Date.now() - this.lastScanAt));
  }

  /** Publishes everything pending now (a full marker scan included); resolves with the count, rejects if the scan or the broker failed. */
  async flush(): Promise<number> {
    await this.scanning;
    await this.findMarked(false);
    // A pass is in progress: wait for it, then flush what was staged meanwhile.
    while (this.running) await this.running.catch(() => 0);
    return this.run();
  }

  /**
   * One pass, and never two at once (tick and flush both come here): two
   * passes over one record would publish its entries twice and race their
   * removal. Whatever was staged during the pass (again, queued) gets the
   * next pass at once, whoever started this one.
   */
  private run(): Promise<number> {
    this.again = false;
    this.running = this.flushQueued().then(
      (published) => {
        this.failures = 0;
        return published;
      },
      (err) => {
        this.failures += 1;
        // What failed stays queued (and marked, for the scan should this process end).
        if (this.failures === 1 || this.failures % 20 === 0) {
          logger.warn({ err, failures: this.failures }, 'outbox publish failed; will retry');
        }
        throw err;
      },
    );
    const settled = () => {
      this.running = undefined;
      this.schedule(this.failures ? this.backoff(this.failures) : this.again || this.queued.size ? 0 : this.untilScan());
    };
    this.running.then(settled, settled);
    return this.running;
  }

  /**
   * The records writes named: one read by _id each, up to `concurrency`
   * records at a time (each record's own entries stay in order: one record is
   * never in two hands). Records written meanwhile join the same pass.
   */
  private async flushQueued(): Promise<number> {
    let published = 0;
    while (this.queued.size) {
      const work: Array<{ collection: string; id: unknown }> = [];
      for (const [collection, ids] of this.queued) for (const id of ids.values()) work.push({ collection, id });
      this.queued.clear();
      const failed: typeof work = [];
      let firstError: unknown;
      await eachConcurrently(work, this.concurrency, async ({ collection, id }) => {
        const model = this.byCollection.get(collection)!;
        try {
          const doc = await model.collection.findOne({ _id: id } as mongo.Filter<mongo.Document>, { projection: { outbox: 1, [OUTBOX_MARKER]: 1 } });
          // Not `published += await ...`: that reads `published` before the await, and the records run at once.
          const count = doc ? await this.flushRecord(model, doc._id, (doc.outbox ?? []) as OutboxEntry[], doc[OUTBOX_MARKER] === true) : 0;
          published += count;
        } catch (err) {
          failed.push({ collection, id });
          firstError ??= err;
        }
      });
      if (failed.length) {
        // Keep what failed for the retry (beside what was written meanwhile).
        for (const { collection, id } of failed) {
          let back = this.queued.get(collection);
          if (!back) this.queued.set(collection, (back = new Map()));
          back.set(String(id), id);
        }
        throw firstError;
      }
    }
    return published;
  }

  /**
   * Recovery: queues every record the marker names (an index lookup; it
   * runs seldom all the same). `wake` starts a pass per
   * page at once; flush() runs its own pass after it.
   */
  private async findMarked(wake: boolean): Promise<void> {
    this.lastScanAt = Date.now();
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
        for (const doc of docs) this.enqueue(model.collection.name, doc._id);
        if (wake && docs.length) this.schedule(0);
        if (docs.length < this.batchSize) break;
        lastId = docs[docs.length - 1]._id;
      }
    }
    this.firstScan = false;
  }

  /**
   * Publishes one record's entries in order and removes each once the broker
   * has it, by `_id` (one record, whatever the size of the collection). An
   * entry is removed by value (`$pullAll`), so removing it twice (another
   * relay got there first) removes nothing else. The marker goes with the
   * last entry, in the same write and only if nothing was staged since: the
   * write's condition says so.
   */
  private async flushRecord(model: OutboxModel, id: unknown, entries: OutboxEntry[], marked: boolean): Promise<number> {
    let published = 0;
    const collection = model.collection;
    const byId = { _id: id } as mongo.Filter<mongo.Document>;
    for (let i = 0; i < entries.length; i++) {
      const entry = entries[i];
      await this.bus.publish(toEnvelope(entry));
      published += 1;
      // $pullAll of the entry as read: exact equality ($pull with a condition is not understood by every server).
      // (Cast: the driver's UpdateFilter of an untyped document cannot type an array field.)
      const pull = { $pullAll: { outbox: [entry] } } as unknown as mongo.UpdateFilter<mongo.Document>;
      let removed = 0;
      if (i === entries.length - 1) {
        // The last one read: drop the marker with it, unless something was staged meanwhile (its write woke us again).
        const onlyThis = { ...byId, 'outbox.1': { $exists: false }, 'outbox.0.id': entry.id };
        removed = (await collection.updateOne(onlyThis, { ...pull, $unset: { [OUTBOX_MARKER]: '' } })).modifiedCount;
      }
      if (removed === 0) removed = (await collection.updateOne(byId, pull)).modifiedCount;
      // Already removed: another relay published it too, and is doing the rest.
      if (removed === 0) return published;
    }
    // A marker on an empty outbox (a crash after the last removal): drop it.
    if (entries.length === 0 && marked) await collection.updateOne({ ...byId, 'outbox.0': { $exists: false } }, { $unset: { [OUTBOX_MARKER]: '' } });
    return published;
  }
}
