import mongoose from 'mongoose';
import { EventEnvelope } from '../events';
import { InMemoryBus } from './in-memory-bus';

/** What this module needs of fast-check's scheduler (`fc.scheduler()`); no runtime dependency on fast-check. */
export interface TaskScheduler {
  schedule<T>(task: Promise<T>, label?: string): Promise<T>;
}

/** The collection calls behind every mongoose read and write of one record (find() returns a cursor: not gated). */
const GATED = ['findOne', 'findOneAndUpdate', 'updateOne', 'updateMany', 'insertOne', 'deleteOne'] as const;

/**
 * Hands every database call of the given models to the scheduler, once
 * before it is sent and once before its result is returned, so the
 * scheduler decides how the reads and writes of concurrent handlers
 * interleave (a read answered, then another handler's whole write, then the
 * first handler's write...). Gates only while `active` is true, so setup and
 * final checks run at full speed. Returns a function that restores the
 * collections.
 */
export function gateDatabaseCalls(models: mongoose.Model<any>[]) {
  let scheduler: TaskScheduler | undefined;
  const restores: Array<() => void> = [];
  for (const model of models) {
    const collection = model.collection as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
    for (const method of GATED) {
      const original = collection[method];
      const label = `${model.modelName}.${method}`;
      collection[method] = async function gated(this: unknown, ...args: unknown[]) {
        const s = scheduler;
        if (!s) return original.apply(this, args);
        await s.schedule(Promise.resolve(), `${label} sent`);
        const result = await original.apply(this, args);
        return s.schedule(Promise.resolve(result), `${label} answered`);
      };
      restores.push(() => {
        collection[method] = original;
      });
    }
  }
  return {
    /** Gates the calls through this scheduler until `stop()`. */
    start(s: TaskScheduler) {
      scheduler = s;
    },
    stop() {
      scheduler = undefined;
    },
    restore() {
      scheduler = undefined;
      for (const r of restores) r();
    },
  };
}

export interface RedeliveryOutcome {
  /** Envelopes still not acked after `maxDeliveries` attempts (a listener that never converges). */
  unacked: EventEnvelope[];
  /** Deliveries made in all (first deliveries, duplicates and redeliveries). */
  deliveries: number;
}

/**
 * Delivers every envelope concurrently, each start chosen by the scheduler,
 * and delivers again what a listener did not ack, as a broker does after
 * the ack wait, until it is acked or `maxDeliveries` is reached. An envelope
 * listed twice is a duplicate delivery (same event id).
 */
export async function deliverUntilAcked(
  bus: InMemoryBus,
  s: TaskScheduler,
  envelopes: EventEnvelope[],
  maxDeliveries = 60,
): Promise<RedeliveryOutcome> {
  let deliveries = 0;
  const unacked: EventEnvelope[] = [];
  await Promise.all(
    envelopes.map(async (envelope) => {
      for (let attempt = 1; attempt <= maxDeliveries; attempt += 1) {
        await s.schedule(Promise.resolve(), `deliver ${envelope.subject} ${JSON.stringify(envelope.data)} #${attempt}`);
        deliveries += 1;
        if (await bus.deliverEnvelope(envelope, attempt)) return;
      }
      unacked.push(envelope);
    }),
  );
  return { unacked, deliveries };
}

let sequence = 0;

/** An envelope as a service's relay would publish it (its id is what makes a redelivery a duplicate). */
export function envelopeOf<E extends EventEnvelope>(subject: E['subject'], data: E['data']): E {
  sequence += 1;
  return { id: `test-event-${process.pid}-${sequence}`, subject, time: new Date().toISOString(), data } as E;
}
