/**
 * FerretDB only: conditional single-record writes are sent by `_id` alone.
 *
 * FerretDB v1.24 (SQLite backend) pushes a filter down to SQL only when it is
 * exactly `{_id: <string|ObjectId>}` (backends/sqlite/collection.go:
 * `params.Filter.Len() == 1`); `{_id, version}` or `{_id, reservedBy: null}`
 * reads every document of the collection and filters them in Go. Measured
 * (driver, idle): updateOne `{_id}` 10 ms at 1k documents, `{_id, version}`
 * 40 ms; at 10k 62 ms vs 308 ms. Every versioned save and every conditional
 * update of the services has that shape, so each write cost a scan of its
 * collection.
 *
 * Here such a write (filter `_id` plus conditions, no upsert, no positional
 * `$` in the update) becomes: read the record by `_id`, test the conditions
 * on it in process (sift: MongoDB's query language in JS), and write by `_id`
 * only if they hold; otherwise answer "matched nothing" exactly as the
 * server would. Just as safe as the server's own path on FerretDB: FerretDB
 * itself applies a conditional update as read, filter, write back, outside
 * any transaction (handler/msg_update.go), so neither is atomic against a
 * concurrent writer; what makes both correct is common's record lock
 * (record-lock.ts), which every mongoose write naming one record holds
 * around this read-test-write, serialising this process's writes to it.
 *
 * Reads that name one record as `{_id: {$in: [id]}}` (populate) are sent as
 * `{_id: id}` (see singleIdOfIn).
 *
 * On MongoDB (`useWritesById` finds no `ferretdbVersion` in buildInfo)
 * nothing changes: the conditional filter goes to the server, whose
 * single-document writes are atomic and use the `_id` index anyway.
 *
 * sift compares ObjectIds, Dates and the like by their JSON form (an
 * ObjectId equals its hex string there, not on the server); mongoose casts a
 * filter to the schema's types, so a stored value never meets a filter value
 * of the other type.
 */
import mongoose from 'mongoose';
import sift from 'sift';
import { logger } from '../logger';

const ENABLED = Symbol('writesById');

type Filter = Record<string, unknown>;
/** A write's options as the driver gets them (upsert, session, includeResultMetadata...). */
type Options = { upsert?: boolean; session?: unknown; includeResultMetadata?: boolean } | undefined;

/** Operators sift does not evaluate (or not as the server does): such filters go to the server as they are. */
const SERVER_ONLY = new Set(['$where', '$expr', '$text', '$jsonSchema', '$comment', '$near', '$nearSphere', '$geoWithin', '$geoIntersects']);

function usesServerOnly(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(usesServerOnly);
  if (!value || typeof value !== 'object' || value instanceof mongoose.Types.ObjectId || value instanceof Date) return false;
  return Object.entries(value as Filter).some(([k, v]) => SERVER_ONLY.has(k) || usesServerOnly(v));
}

/** A positional `$` (`'items.$.qty'`) names what the filter matched: only the server knows. */
const POSITIONAL = /(^|\.)\$(\.|$)/;
function usesPositional(update: unknown): boolean {
  if (!update || typeof update !== 'object' || Array.isArray(update)) return false;
  return Object.values(update as Filter).some(
    (fields) => !!fields && typeof fields === 'object' && Object.keys(fields as Filter).some((path) => POSITIONAL.test(path)),
  );
}

/** The `_id` and the other conditions of a filter this module may rewrite, else undefined. */
function split(filter: unknown, update: unknown, options: Options): { id: unknown; conditions: Filter } | undefined {
  if (!filter || typeof filter !== 'object') return undefined;
  const { _id: id, ...conditions } = filter as Filter;
  if (!(typeof id === 'string' || id instanceof mongoose.Types.ObjectId)) return undefined;
  if (Object.keys(conditions).length === 0) return undefined; // `{_id}` alone is pushed down already
  if (options?.upsert) return undefined; // an upsert inserts from the filter's equalities: the server's job
  if (usesServerOnly(conditions) || usesPositional(update)) return undefined;
  return { id, conditions };
}

// Fresh objects each time: mongoose writes onto a result (save sets `$where` on it).
const updatedNothing = () => ({ acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null });
const deletedNothing = () => ({ acknowledged: true, deletedCount: 0 });
const modifiedNothing = (options: Options) =>
  options?.includeResultMetadata ? { value: null, ok: 1, lastErrorObject: { n: 0, updatedExisting: false } } : null;

/** The write methods, where their options argument is, and what "matched nothing" answers. */
const WRITES = {
  updateOne: { optionsAt: 2, nothing: updatedNothing },
  replaceOne: { optionsAt: 2, nothing: updatedNothing },
  findOneAndUpdate: { optionsAt: 2, nothing: modifiedNothing },
  findOneAndReplace: { optionsAt: 2, nothing: modifiedNothing },
  deleteOne: { optionsAt: 1, nothing: deletedNothing },
  findOneAndDelete: { optionsAt: 1, nothing: modifiedNothing },
} as const;

/**
 * A read naming exactly one record through `$in` (`{_id: {$in: [id]}}`, what
 * mongoose's populate sends for one document) is a full scan on FerretDB v1:
 * only plain `_id` equality is pushed down (measured, driver, 300 documents:
 * 33 ms vs 1.4 ms by `{_id}`). The same read as `{_id: id}` matches the same
 * record on any server.
 */
function singleIdOfIn(filter: unknown): unknown {
  if (!filter || typeof filter !== 'object' || Array.isArray(filter)) return undefined;
  const keys = Object.keys(filter as Filter);
  if (keys.length !== 1 || keys[0] !== '_id') return undefined;
  const condition = (filter as Filter)._id;
  if (!condition || typeof condition !== 'object' || condition instanceof mongoose.Types.ObjectId) return undefined;
  const ops = Object.keys(condition as Filter);
  if (ops.length !== 1 || ops[0] !== '$in') return undefined;
  const values = (condition as Filter).$in;
  if (!Array.isArray(values) || values.length !== 1) return undefined;
  const [id] = values;
  return typeof id === 'string' || id instanceof mongoose.Types.ObjectId ? id : undefined;
}

const READS = ['find', 'findOne', 'countDocuments'] as const;

let installed = false;

/** Wraps mongoose's collection write methods once; each call checks its connection's flag. */
function install(): void {
  if (installed) return;
  installed = true;
  type Method = (this: { conn?: Record<symbol, unknown> }, ...args: unknown[]) => Promise<unknown>;
  // mongoose's collection class (the one every model's collection is): its methods call the driver's.
  const driver = (mongoose as unknown as { driver: { get(): { Collection: { prototype: Record<string, Method> } } } }).driver;
  const proto = driver.get().Collection.prototype;
  const findOne = proto.findOne;
  for (const method of READS) {
    const original = proto[method];
    // Not async: mongoose's find returns the driver's cursor as it is.
    proto[method] = function readById(this: { conn?: Record<symbol, unknown> }, ...args: unknown[]) {
      const id = this.conn?.[ENABLED] ? singleIdOfIn(args[0]) : undefined;
      return original.apply(this, id === undefined ? args : [{ _id: id }, ...args.slice(1)]);
    } as Method;
  }
  for (const [method, { optionsAt, nothing }] of Object.entries(WRITES)) {
    const original = proto[method];
    proto[method] = async function writeById(this: { conn?: Record<symbol, unknown> }, ...args: unknown[]) {
      const options = args[optionsAt] as Options;
      const target = this.conn?.[ENABLED] ? split(args[0], optionsAt === 2 ? args[1] : undefined, options) : undefined;
      if (!target) return original.apply(this, args);
      const byId = { _id: target.id };
      // The caller holds the record's lock (recordLockPlugin): nothing of this process writes the record between these two calls.
      const current = await findOne.call(this, byId, options?.session ? { session: options.session } : {});
      if (!current || !sift(target.conditions as Parameters<typeof sift>[0])(current)) return nothing(options);
      return original.apply(this, [byId, ...args.slice(1)]);
    };
  }
}

/**
 * Asks the server what it is and, on FerretDB, routes this connection's
 * conditional single-record writes through `_id` (see the top of this file).
 * Call once after connecting; returns whether it did. `enabled` skips the
 * question (tests run the path on either server).
 */
export async function useWritesById(connection: mongoose.Connection = mongoose.connection, enabled?: boolean): Promise<boolean> {
  let on = enabled ?? false;
  if (enabled === undefined) {
    try {
      const info = await connection.db!.admin().command({ buildInfo: 1 });
      on = typeof info.ferretdbVersion === 'string';
    } catch (err) {
      // Unknown server: leave its writes as they are (always correct, maybe slower).
      logger.warn({ err }, 'buildInfo failed; conditional writes go to the server unchanged');
    }
  }
  (connection as unknown as Record<symbol, unknown>)[ENABLED] = on;
  if (on) install();
  return on;
}
