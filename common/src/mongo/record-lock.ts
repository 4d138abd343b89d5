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
 * lock is redundant and cheap. It does not coordinate separate processes:
 * where one winner across processes matters, use a unique index insert,
 * which FerretDB does enforce atomically.
 */
import mongoose, { Schema } from 'mongoose';

const tails = new Map<string, Promise<void>>();

/** Waits for the key, then holds it until the returned release is called (once is enough). */
export async function acquireRecordLock(key: string): Promise<() => void> {
  const previous = tails.get(key) ?? Promise.resolve();
  let resolveTail!: () => void;
  const tail = new Promise<void>((resolve) => {
    resolveTail = resolve;
  });
  const mine = previous.then(() => tail);
  tails.set(key, mine);
  await previous;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    resolveTail();
    if (tails.get(key) === mine) tails.delete(key);
  };
}

export async function withRecordLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const release = await acquireRecordLock(key);
  try {
    return await fn();
  } finally {
    release();
  }
}

/** The lock key of one document of a collection. */
export const recordLockKey = (collectionName: string, id: unknown) => `${collectionName}:${String(id)}`;

const RELEASE = Symbol('recordLockRelease');
type Holder = { [RELEASE]?: () => void };

/** The single record a query filter names by _id, if it names exactly one. */
function singleId(filter: Record<string, unknown> | undefined): unknown {
  const id = filter?._id;
  if (typeof id === 'string' || id instanceof mongoose.Types.ObjectId) return id;
  return undefined;
}

const release = (holder: Holder) => {
  holder[RELEASE]?.();
  delete holder[RELEASE];
};

const LOCKED_SCHEMA = Symbol('recordLocked');

const QUERY_WRITES = ['findOneAndUpdate', 'updateOne', 'findOneAndDelete', 'deleteOne', 'findOneAndReplace', 'replaceOne'] as const;

/**
 * Takes the record's lock around every mongoose write that names one
 * existing record (save of a loaded document; updateOne/findOneAndUpdate/
 * deleteOne... with an _id filter), so no service has to remember to.
 * Registered for every schema by common (see ./index.ts), and by
 * outboxPlugin itself, whose relay depends on it.
 */
export function recordLockPlugin(schema: Schema): void {
  // Once per schema (the global registration and outboxPlugin both apply it):
  // a second pair of hooks would wait for the lock the first pair holds.
  const marked = schema as Schema & { [LOCKED_SCHEMA]?: true };
  if (marked[LOCKED_SCHEMA]) return;
  marked[LOCKED_SCHEMA] = true;
  schema.pre('save', async function lockBeforeSave() {
    // Subdocuments are written with their parent; a new record overwrites nothing.
    if (this.$isSubdocument || this.isNew) return;
    const key = recordLockKey((this.constructor as mongoose.Model<unknown>).collection.name, this._id);
    (this as unknown as Holder)[RELEASE] = await acquireRecordLock(key);
  });
  schema.post('save', function unlockAfterSave() {
    release(this as unknown as Holder);
  });
  schema.post('save', function unlockAfterFailedSave(err: mongoose.CallbackError, doc: unknown, next: (err?: mongoose.CallbackError) => void) {
    release((doc ?? this) as Holder);
    next(err);
  });
  for (const op of QUERY_WRITES) {
    schema.pre(op, async function lockBeforeWrite(this: mongoose.Query<unknown, unknown>) {
      const id = singleId(this.getFilter());
      if (id === undefined) return;
      (this as unknown as Holder)[RELEASE] = await acquireRecordLock(recordLockKey(this.model.collection.name, id));
    });
    schema.post(op, function unlockAfterWrite(this: mongoose.Query<unknown, unknown>) {
      release(this as unknown as Holder);
    });
    schema.post(op, function unlockAfterFailedWrite(this: mongoose.Query<unknown, unknown>, err: mongoose.CallbackError, _res: unknown, next: (err?: mongoose.CallbackError) => void) {
      release(this as unknown as Holder);
      next(err);
    });
  }
}
