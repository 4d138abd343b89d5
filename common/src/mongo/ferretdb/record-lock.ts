/**
 * One lock per record (collection + `_id`) inside one process, taken in
 * arrival order: FerretDB applies an update as read, modify, write back, so
 * two unserialised writes of one record can erase each other
 * (docs/ferretdb.md). It does not coordinate processes.
 */
export class RecordLocks {
  /** Per key, the promise the next holder waits for (the last holder's release). */
  private readonly tails = new Map<string, Promise<void>>();

  /** Waits for the record, then holds it until the returned release is called (once is enough). */
  async acquire(collection: string, id: unknown): Promise<() => void> {
    const key = `${collection}:${String(id)}`;
    const previous = this.tails.get(key);
    let resolveTail!: () => void;
    const tail = new Promise<void>((resolve) => {
      resolveTail = resolve;
    });
    const mine = previous ? previous.then(() => tail) : tail;
    this.tails.set(key, mine);
    if (previous) await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      resolveTail();
      if (this.tails.get(key) === mine) this.tails.delete(key);
    };
  }

  /** Runs fn holding the record. */
  async hold<T>(collection: string, id: unknown, fn: () => Promise<T>): Promise<T> {
    const release = await this.acquire(collection, id);
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
