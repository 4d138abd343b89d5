/**
 * The records this process read by `_id` a moment ago, so that a
 * conditional write of one of them right after (the relay's removal after
 * its read, a replica's version check after its read) tests its conditions
 * on that read instead of reading the record again: one round trip less.
 *
 * Only as good as the adapter's own read under the lock, which it replaces:
 * a read is kept only if no write of this process touched the record (or
 * its collection, for writes of many records) from the moment the read was
 * sent until it is used, and for at most `maxAgeMs`. Like the lock, it does
 * not see other processes' writes (FerretDB's conditional writes are atomic
 * per process; docs/ferretdb.md).
 */
import { Filter } from './writes-by-id';

/** How long a read stands in for a read under the lock: a write follows its read within milliseconds. */
export const RECENT_READ_MS = 1000;
/** Reads kept at most (the oldest go first): enough for every record in flight at once. */
const MAX_KEPT = 2_000;

interface Kept {
  /** The read as the server answered it; undefined while it is on its way. */
  doc?: Record<string, unknown>;
  /** The top-level fields the read asked for (a projection); undefined: the whole record. */
  fields?: Set<string>;
  at: number;
}

/** The top-level fields an inclusion projection asks for; null when the projection is of another kind (not kept). */
function fieldsOf(projection: unknown): Set<string> | undefined | null {
  if (projection === undefined || projection === null) return undefined;
  if (typeof projection !== 'object' || Array.isArray(projection)) return null;
  const entries = Object.entries(projection as Filter);
  if (entries.length === 0) return undefined;
  const fields = new Set<string>(['_id']);
  for (const [path, value] of entries) {
    if (path === '_id') continue;
    if (!(value === 1 || value === true) || path.includes('$')) return null;
    fields.add(path.split('.')[0]);
  }
  return fields;
}

/** The top-level fields a filter's conditions test; null when they are not plain field conditions ($or...). */
function conditionFields(conditions: Filter): string[] | null {
  const fields: string[] = [];
  for (const path of Object.keys(conditions)) {
    if (path.startsWith('$')) return null;
    fields.push(path.split('.')[0]);
  }
  return fields;
}

export class RecentReads {
  private readonly kept = new Map<string, Kept>();

  constructor(private readonly maxAgeMs = RECENT_READ_MS) {}

  private static key(collection: string, id: unknown): string {
    return `${collection}\u0000${String(id)}`;
  }

  /**
   * A read of one record by `_id` is sent now: answers what to call with its
   * result (kept only if no write of the record began or ended meanwhile).
   */
  reading(collection: string, id: unknown, options: unknown): (doc: unknown) => void {
    const fields = fieldsOf((options as { projection?: unknown } | undefined)?.projection);
    if (fields === null || (options as { session?: unknown } | undefined)?.session) return () => {};
    const key = RecentReads.key(collection, id);
    const mine: Kept = { fields, at: Date.now() };
    this.keep(key, mine);
    return (doc) => {
      if (this.kept.get(key) !== mine) return; // written (or read again) since it was sent
      if (!doc || typeof doc !== 'object') this.kept.delete(key);
      else mine.doc = doc as Record<string, unknown>;
    };
  }

  /**
   * The record as read a moment ago, if that read can test `conditions`
   * now; undefined when the record must be read again.
   */
  current(collection: string, id: unknown, conditions: Filter): Record<string, unknown> | undefined {
    const kept = this.kept.get(RecentReads.key(collection, id));
    if (!kept?.doc || Date.now() - kept.at > this.maxAgeMs) return undefined;
    const fields = conditionFields(conditions);
    if (!fields) return undefined;
    if (kept.fields && !fields.every((field) => kept.fields!.has(field))) return undefined;
    return kept.doc;
  }

  /** A record this process inserted: as good as a read of it (the insert wrote every field it has). */
  inserted(collection: string, doc: unknown): void {
    const id = (doc as { _id?: unknown } | null)?._id;
    if (id === undefined || id === null) return;
    this.keep(RecentReads.key(collection, id), { doc: doc as Record<string, unknown>, at: Date.now() });
  }

  /** Keeps the newest last (the map's order is the reads' order), dropping the oldest past their age or over the bound. */
  private keep(key: string, kept: Kept): void {
    this.kept.delete(key);
    this.kept.set(key, kept);
    const stale = kept.at - this.maxAgeMs;
    for (const [oldest, { at }] of this.kept) {
      if (this.kept.size <= MAX_KEPT && at >= stale) break;
      this.kept.delete(oldest);
    }
  }

  /** A write of the record begins or ends: what was read of it no longer stands. */
  written(collection: string, id: unknown): void {
    this.kept.delete(RecentReads.key(collection, id));
  }

  /** A write of many records (or of records not named by `_id`): nothing read of the collection stands. */
  changed(collection: string): void {
    const prefix = `${collection}\u0000`;
    for (const key of [...this.kept.keys()]) if (key.startsWith(prefix)) this.kept.delete(key);
  }
}
