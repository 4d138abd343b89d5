/**
 * One lock per record (collection + `_id`), inside one process: its holders
 * run one at a time, in arrival order. The adapter holds it around every
 * write that names one record, because FerretDB applies an update as read →
 * modify → write-back outside any transaction: two concurrent updates of one
 * document both match their filter and the later write-back erases the
 * earlier one. Serialised, conditions hold again. It does not coordinate
 * separate processes: where one winner across processes matters, a
 * unique-index insert decides (atomic on FerretDB too).
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
