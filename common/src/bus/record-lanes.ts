import { EventEnvelope } from '../events';

/**
 * The record an event is about: its data's `id` (ticket, order, payment),
 * else its `orderId` (expiration:complete), else the event itself.
 */
export function recordKeyOf(envelope: Pick<EventEnvelope, 'id' | 'data'> | undefined): string {
  const data = envelope?.data as { id?: unknown; orderId?: unknown } | undefined;
  return String(data?.id ?? data?.orderId ?? envelope?.id ?? '');
}

/**
 * The deliveries of one subscription: those about one record one after the
 * other in arrival order (so a record's versions rarely wait for each
 * other), those about different records at once, because one lane for the
 * whole subscription made a record's event wait behind every other record's
 * events. Listeners already decide on the
 * record's current state (version and status conditions, record lock),
 * because several replicas of a service handle one subscription at once.
 */
export class RecordLanes {
  private readonly tails = new Map<string, Promise<void>>();
  private pending = 0;
  private readonly waiters: Array<() => void> = [];

  /** Runs fn after the key's earlier deliveries; never rejects (handlers log their own failures). */
  run(key: string, fn: () => Promise<void>): Promise<void> {
    this.pending += 1;
    const mine: Promise<void> = (this.tails.get(key) ?? Promise.resolve())
      .then(fn)
      .catch(() => undefined)
      .finally(() => {
        this.pending -= 1;
        if (this.tails.get(key) === mine) this.tails.delete(key);
        this.waiters.splice(0).forEach((wake) => wake());
      });
    this.tails.set(key, mine);
    return mine;
  }

  /** Deliveries queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Resolves once fewer than `limit` deliveries are queued or running (back-pressure for a pull consumer). */
  async below(limit: number): Promise<void> {
    while (this.pending >= limit) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Resolves when every delivery queued so far is done. */
  async idle(): Promise<void> {
    while (this.tails.size) await Promise.all(this.tails.values());
  }
}
