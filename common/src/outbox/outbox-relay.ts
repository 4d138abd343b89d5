import { Model } from 'mongoose';
import { EventBus } from '../bus/event-bus';
import { EventEnvelope } from '../events';
import { logger } from '../logger';
import { recordLockKey, withRecordLock } from '../mongo/record-lock';
import { observeOutboxes } from '../telemetry/metrics';
import { tracedPublish } from '../telemetry/tracing';
import { OutboxEntry, offOutboxStaged, onOutboxStaged } from './outbox';

export interface OutboxRelayOptions {
  /** Fallback scan (default 5 s) for events left by a crash or staged by another process; writes in this process wake the relay at once. */
  pollIntervalMs?: number;
  /** Longest wait between retries while the broker is down. */
  maxBackoffMs?: number;
  batchSize?: number;
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
 * removes each entry once the broker has it. While the broker is down it
 * retries with back-off. A crash between publish and removal re-publishes the
 * entry: consumers are idempotent and JetStream drops it by event id.
 */
export class OutboxRelay {
  private readonly pollIntervalMs: number;
  private readonly maxBackoffMs: number;
  private readonly batchSize: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<number>;
  private again = false;
  private failures = 0;
  private stopped = true;
  private readonly kick = () => this.schedule(0);

  constructor(
    private readonly bus: EventBus,
    private readonly models: Model<any>[],
    options: OutboxRelayOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 5000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.batchSize = options.batchSize ?? 100;
    observeOutboxes(models);
  }

  start(): void {
    this.stopped = false;
    onOutboxStaged(this.kick);
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    offOutboxStaged(this.kick);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

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
    try {
      await this.flush();
      this.failures = 0;
    } catch (err) {
      this.failures += 1;
      if (this.failures === 1 || this.failures % 20 === 0) {
        logger.warn({ err, failures: this.failures }, 'outbox publish failed; will retry');
      }
    }
    const backoff = Math.min(this.maxBackoffMs, 250 * 2 ** Math.min(this.failures, 10));
    const next = this.failures ? backoff : this.again ? 0 : this.pollIntervalMs;
    this.again = false;
    this.schedule(next);
  }

  /** Publishes everything pending now; resolves with the count, rejects if the broker refused one. */
  flush(): Promise<number> {
    if (this.running) {
      // Someone is flushing: wait for it, then flush what was staged meanwhile.
      return this.running.catch(() => 0).then(() => this.flush());
    }
    this.running = this.flushAll().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async flushAll(): Promise<number> {
    let published = 0;
    for (const model of this.models) {
      for (;;) {
        const docs = await model.collection
          .find({ 'outbox.0': { $exists: true } }, { projection: { outbox: 1 } })
          .limit(this.batchSize)
          .toArray();
        for (const doc of docs) published += await this.flushRecord(model, doc._id, doc.outbox as OutboxEntry[]);
        if (docs.length < this.batchSize) break;
      }
    }
    return published;
  }

  private async flushRecord(model: Model<any>, id: unknown, entries: OutboxEntry[]): Promise<number> {
    let published = 0;
    for (const entry of entries) {
      await tracedPublish(this.bus, toEnvelope(entry));
      published += 1;
      // Remove it only if it is still first: another relay may have done it already.
      // Under the record's lock: on FerretDB an unserialised $pop can erase a concurrent save.
      const result = await withRecordLock(recordLockKey(model.collection.name, id), () =>
        model.collection.updateOne({ _id: id, 'outbox.0.id': entry.id } as any, { $pop: { outbox: -1 } }),
      );
      if (result.modifiedCount === 0) break;
    }
    return published;
  }
}
