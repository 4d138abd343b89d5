/**
 * Serialises writes to one record inside this process.
 *
 * FerretDB v1 (SQLite backend), the database of local runs and CI, applies an
 * update as read → modify → write-back of the whole document, outside any
 * transaction: two concurrent updates of one document both match their filter
 * and the later write-back erases the earlier one (a version-conditioned save
 * does not conflict; the relay's `$pop` can erase a concurrent save together
 * with its staged event). Taking this lock around every write of a record
 * makes those writes one-at-a-time, so conditions hold again. The read that
 * decides a write may stay outside the lock: a stale decision still fails its
 * version filter. On mongod, whose single-document updates are atomic, the
 * lock is redundant and cheap. It does not coordinate separate processes.
 */
const tails = new Map<string, Promise<void>>();

export async function withRecordLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = tails.get(key) ?? Promise.resolve();
  let release!: () => void;
  const tail = new Promise<void>((resolve) => {
    release = resolve;
  });
  const mine = previous.then(() => tail);
  tails.set(key, mine);
  await previous;
  try {
    return await fn();
  } finally {
    release();
    if (tails.get(key) === mine) tails.delete(key);
  }
}

/** The lock key of one document of a collection. */
export const recordLockKey = (collectionName: string, id: unknown) => `${collectionName}:${String(id)}`;
