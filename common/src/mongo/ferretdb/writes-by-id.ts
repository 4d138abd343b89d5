/**
 * FerretDB pushes a filter down only when it is exactly `{_id}`
 * (docs/ferretdb.md), so a conditional write of one record is sent as a read
 * by `_id`, a test of the conditions in process (sift) and a write by `_id`,
 * the record's lock held around them.
 *
 * sift compares ObjectIds, Dates and the like by their JSON form (an
 * ObjectId equals its hex string there, not on the server); mongoose casts a
 * filter to the schema's types, so a stored value never meets a filter value
 * of the other type.
 */
import mongoose from 'mongoose';
import sift from 'sift';

export type Filter = Record<string, unknown>;
/** A call's options as the driver gets them (upsert, session, includeResultMetadata...). */
export type Options = { upsert?: boolean; session?: unknown; includeResultMetadata?: boolean } | undefined;

const isId = (value: unknown): boolean => typeof value === 'string' || value instanceof mongoose.Types.ObjectId;

/** The single record a filter names by `_id`, if it names exactly one. */
export function singleId(filter: unknown): unknown {
  const id = (filter as Filter | null | undefined)?._id;
  return isId(id) ? id : undefined;
}

/** Operators sift does not evaluate (or not as the server does): such filters go to the server as they are. */
const SERVER_ONLY = new Set(['$where', '$expr', '$text', '$jsonSchema', '$comment', '$near', '$nearSphere', '$geoWithin', '$geoIntersects']);

export function usesServerOnly(value: unknown): boolean {
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
  if (!isId(id)) return undefined;
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

/** A write of one record: where its options argument is, and what "matched nothing" answers. */
export interface RecordWrite {
  optionsAt: 1 | 2;
  nothing: (options: Options) => unknown;
}

/** The writes that may name one record, by method. */
export const RECORD_WRITES: Record<string, RecordWrite> = {
  updateOne: { optionsAt: 2, nothing: updatedNothing },
  replaceOne: { optionsAt: 2, nothing: updatedNothing },
  findOneAndUpdate: { optionsAt: 2, nothing: modifiedNothing },
  findOneAndReplace: { optionsAt: 2, nothing: modifiedNothing },
  deleteOne: { optionsAt: 1, nothing: deletedNothing },
  findOneAndDelete: { optionsAt: 1, nothing: modifiedNothing },
};

type Send = (args: unknown[]) => Promise<unknown>;
/** Reads the record by `_id` (or answers this process's read of a moment ago that can test `conditions`). */
type ReadOne = (filter: Filter, options: object, conditions: Filter) => Promise<unknown>;

/**
 * Sends a write of one record: a conditional one as a read by `_id`, a test
 * in process and a write by `_id` (the caller holds the record's lock).
 */
export async function writeById(write: RecordWrite, args: unknown[], send: Send, readOne: ReadOne): Promise<unknown> {
  const options = args[write.optionsAt] as Options;
  const target = split(args[0], write.optionsAt === 2 ? args[1] : undefined, options);
  if (!target) return send(args);
  const byId = { _id: target.id };
  const current = await readOne(byId, options?.session ? { session: options.session } : {}, target.conditions);
  if (!current || !sift(target.conditions as Parameters<typeof sift>[0])(current)) return write.nothing(options);
  return send([byId, ...args.slice(1)]);
}

/**
 * The record a read names through `$in` alone (`{_id: {$in: [id]}}`, what
 * mongoose's populate sends for one document): a scan there, while the same
 * read as `{_id: id}` is pushed down and matches the same record on any
 * server.
 */
export function singleIdOfIn(filter: unknown): unknown {
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
  return isId(id) ? id : undefined;
}
