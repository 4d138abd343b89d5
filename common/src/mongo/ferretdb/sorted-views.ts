/**
 * Sorted pages answered in process (docs/ferretdb.md). FerretDB pushes down
 * only `{_id}`, so a find with a sort reads and sorts the whole collection on
 * every call. For a collection whose schema has a sort index (two or more
 * keys, the last `_id`, so the order is total), the adapter keeps its records
 * in memory, in that order: a find sorted by that index (or its reverse)
 * walks it, tests the filter in process (sift) and takes skip and limit; a
 * read by `_id` alone is answered from it too.
 *
 * The records are read once (one scan, at the first such read) and then kept
 * current by this process's own writes, which all pass through the adapter: a
 * write of one record by `_id` marks it, and the next read first reads every
 * marked record again by `_id`; any other write (updateMany, deleteMany, a
 * bulk write...) has the whole view read again. Like the record lock, this
 * assumes one process writes the database (locally and in CI each service
 * runs as one); what is written behind the adapter's back (another process,
 * the raw driver) is seen once the view is forgotten (`forget`) or the
 * process restarts.
 */
import mongoose, { mongo } from 'mongoose';
import sift from 'sift';
import { Filter, usesServerOnly } from './writes-by-id';

type Doc = mongo.Document;
type Direction = 1 | -1;
/** A sort: fields and directions, the last field `_id`. */
type SortKeys = ReadonlyArray<readonly [string, Direction]>;

/** What a read may carry and still be answered here; anything else (a projection, a session, a hint...) is the server's. */
const FIND_OPTIONS = new Set(['sort', 'skip', 'limit']);
const unset = (value: unknown) => value === undefined || value === null;

const idKey = (id: unknown) => (id instanceof mongoose.Types.ObjectId ? `o:${id.toHexString()}` : `${typeof id}:${String(id)}`);

/** The types in MongoDB's sort order (the ones a stored record here can hold). */
function typeRank(value: unknown): number {
  if (value === undefined || value === null) return 1;
  if (typeof value === 'number') return 2;
  if (typeof value === 'string') return 3;
  if (value instanceof mongoose.Types.ObjectId) return 7;
  if (typeof value === 'boolean') return 8;
  if (value instanceof Date) return 9;
  if (Array.isArray(value)) return 5;
  return 4;
}

/** Compares two values as a MongoDB sort on scalar fields does. */
export function compareValues(a: unknown, b: unknown): number {
  const ra = typeRank(a);
  const rb = typeRank(b);
  if (ra !== rb) return ra - rb;
  switch (ra) {
    case 1:
      return 0;
    case 2:
      return (a as number) - (b as number);
    case 3:
      return (a as string) < (b as string) ? -1 : (a as string) > (b as string) ? 1 : 0;
    case 7: {
      const x = (a as mongoose.Types.ObjectId).toHexString();
      const y = (b as mongoose.Types.ObjectId).toHexString();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 8:
      return Number(a) - Number(b);
    case 9:
      return (a as Date).getTime() - (b as Date).getTime();
    default: {
      const x = JSON.stringify(a);
      const y = JSON.stringify(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
}

const comparer = (keys: SortKeys) => (a: Doc, b: Doc) => {
  for (const [field, direction] of keys) {
    const c = compareValues(a[field], b[field]);
    if (c !== 0) return direction * c;
  }
  return 0;
};

/** A copy the caller may change: plain objects and arrays copied, Dates new, the rest (ObjectId...) shared, as they do not change. */
function copy<T>(value: T): T {
  if (Array.isArray(value)) return value.map(copy) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (value && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = copy(v);
    return out as T;
  }
  return value;
}

/** The sort a find asks for, as keys, if it is a plain `{field: ±1}` object. */
function sortKeysOf(sort: unknown): SortKeys | undefined {
  if (!sort || typeof sort !== 'object' || Array.isArray(sort) || sort instanceof Map) return undefined;
  const keys = Object.entries(sort as Record<string, unknown>);
  if (!keys.length || keys.some(([, d]) => d !== 1 && d !== -1)) return undefined;
  return keys as Array<[string, Direction]>;
}

const sameKeys = (a: SortKeys, b: SortKeys, flip: Direction) =>
  a.length === b.length && a.every(([field, direction], i) => b[i][0] === field && b[i][1] === flip * direction);

/** One collection's records, kept in each of its sort orders. */
class View {
  private readonly docs = new Map<string, Doc>();
  /** Per sort, the records in that order. */
  private readonly orders: Array<{ keys: SortKeys; compare: (a: Doc, b: Doc) => number; docs: Doc[] }>;
  /** Records written since they were read: key → `_id`. */
  private readonly marked = new Map<string, unknown>();
  /** Read everything again before the next answer. */
  private whole = true;
  /** The last sync started or waiting. */
  private tail: Promise<void> | undefined;
  /** A sync that has not started yet: a read arriving now may share it. */
  private waiting: Promise<void> | undefined;

  constructor(sorts: readonly SortKeys[]) {
    this.orders = sorts.map((keys) => ({ keys, compare: comparer(keys), docs: [] }));
  }

  /** The record was written (or may have been): read it again before the next answer. */
  mark(id: unknown): void {
    this.marked.set(idKey(id), id);
  }

  /** Something was written that names no single record: read them all again. */
  invalidate(): void {
    this.whole = true;
  }

  /**
   * Brings the view up to date with every write that completed before this
   * call. Syncs run one at a time: a read's marks are read after the marks
   * of the sync before it, so an older read never overwrites a newer one.
   */
  sync(collection: mongo.Collection): Promise<void> {
    if (!this.tail && !this.whole && this.marked.size === 0) return Promise.resolve();
    if (this.waiting) return this.waiting;
    const previous = this.tail ?? Promise.resolve();
    const mine: Promise<void> = previous.then(() => {
      if (this.waiting === mine) this.waiting = undefined;
      return this.catchUp(collection);
    });
    this.waiting = mine;
    const tail: Promise<void> = mine
      .catch(() => undefined)
      .then(() => {
        if (this.tail === tail) this.tail = undefined;
      });
    this.tail = tail;
    return mine;
  }

  private async catchUp(collection: mongo.Collection): Promise<void> {
    if (this.whole) {
      // Marks from before the scan are in it; writes that finish during it mark again, read below.
      this.whole = false;
      this.marked.clear();
      let all: Doc[];
      try {
        all = await collection.find({}).toArray();
      } catch (err) {
        this.whole = true;
        throw err;
      }
      this.docs.clear();
      for (const doc of all) this.docs.set(idKey(doc._id), doc);
      for (const order of this.orders) order.docs = [...all].sort(order.compare);
    }
    if (this.marked.size === 0) return;
    const marked = [...this.marked];
    this.marked.clear();
    let fresh: Array<Doc | null>;
    try {
      fresh = await Promise.all(marked.map(([, id]) => collection.findOne({ _id: id } as mongo.Filter<Doc>)));
    } catch (err) {
      for (const [key, id] of marked) if (!this.marked.has(key)) this.marked.set(key, id);
      throw err;
    }
    marked.forEach(([key], i) => this.put(key, fresh[i]));
  }

  /** Replaces a record (null: removes it) in the map and in every order. */
  private put(key: string, doc: Doc | null): void {
    const old = this.docs.get(key);
    for (const order of this.orders) {
      if (old) {
        const at = this.lowerBound(order, old);
        for (let i = at; i < order.docs.length; i++) {
          if (order.docs[i] === old) {
            order.docs.splice(i, 1);
            break;
          }
          if (order.compare(order.docs[i], old) !== 0) break;
        }
      }
      if (doc) order.docs.splice(this.lowerBound(order, doc), 0, doc);
    }
    if (doc) this.docs.set(key, doc);
    else this.docs.delete(key);
  }

  private lowerBound(order: { compare: (a: Doc, b: Doc) => number; docs: Doc[] }, doc: Doc): number {
    let lo = 0;
    let hi = order.docs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (order.compare(order.docs[mid], doc) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The order a sort walks (its records and keys), and in which direction; undefined when the view keeps none for it. */
  orderFor(sort: SortKeys): { docs: Doc[]; keys: SortKeys; reverse: boolean } | undefined {
    for (const order of this.orders) {
      if (sameKeys(order.keys, sort, 1)) return { docs: order.docs, keys: order.keys, reverse: false };
      if (sameKeys(order.keys, sort, -1)) return { docs: order.docs, keys: order.keys, reverse: true };
    }
    return undefined;
  }

  byId(id: unknown): Doc | undefined {
    return this.docs.get(idKey(id));
  }
}

/** A value an equality in a filter can pin a sort key to: a scalar compared as the sort compares it. */
const pinnable = (value: unknown) =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Date || value instanceof mongoose.Types.ObjectId;

/**
 * The run of records (`[from, to)` of `docs`, which are in the order of `keys`)
 * whose leading sort keys equal what the filter fixes them to, e.g. one
 * event's listings for `{eventId: e}` sorted `{eventId: 1, allInPrice: 1,
 * _id: 1}`; the whole array when the filter fixes no leading key. Records
 * outside it cannot match, given scalar values in those fields (the views
 * hold plain records of models whose sort keys are scalars).
 */
function pinnedRange(docs: Doc[], keys: SortKeys, filter: Filter): [number, number] {
  const pinned: Array<readonly [string, Direction, unknown]> = [];
  for (const [field, direction] of keys) {
    const value = (filter as Record<string, unknown>)[field];
    if (field === '_id' || !Object.prototype.hasOwnProperty.call(filter, field) || !pinnable(value)) break;
    pinned.push([field, direction, value]);
  }
  if (!pinned.length) return [0, docs.length];
  const bound = (strict: boolean) => {
    let lo = 0;
    let hi = docs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareToPin(docs[mid], pinned);
      if (c < 0 || (strict && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return [bound(false), bound(true)];
}

/** A record against the pinned values, key by key in the sort's directions: < 0 before their run, 0 in it, > 0 after. */
function compareToPin(doc: Doc, pinned: ReadonlyArray<readonly [string, Direction, unknown]>): number {
  for (const [field, direction, value] of pinned) {
    const c = compareValues(doc[field], value);
    if (c !== 0) return direction * c;
  }
  return 0;
}

/** A read the views can answer: a sorted page, or one record by `_id`. */
export type ViewRead = { kind: 'page'; sort: SortKeys; skip: number; limit: number } | { kind: 'id'; id: unknown };

export class SortedViews {
  /** Collection name → the sort indexes of its model's schema (none: not kept). */
  private readonly sorts = new Map<string, readonly SortKeys[]>();
  private readonly views = new Map<string, View>();

  constructor(private readonly connection: mongoose.Connection) {}

  /** The collection's sort indexes: two or more keys, the last `_id`, each ±1. */
  sortsOf(collection: string): readonly SortKeys[] {
    const known = this.sorts.get(collection);
    if (known) return known;
    const model = Object.values(this.connection.models).find((m) => m.collection.collectionName === collection);
    if (!model) return [];
    const sorts = model.schema
      .indexes()
      .map(([keys]) => Object.entries(keys) as Array<[string, unknown]>)
      .filter((keys) => keys.length >= 2 && keys[keys.length - 1][0] === '_id' && keys.every(([, d]) => d === 1 || d === -1)) as SortKeys[];
    this.sorts.set(collection, sorts);
    return sorts;
  }

  /** How a find or findOne would be answered here, if it can be. */
  answerable(collection: string, method: 'find' | 'findOne', filter: unknown, options: unknown): ViewRead | undefined {
    if (!filter || typeof filter !== 'object' || Array.isArray(filter)) return undefined;
    const opts = (options ?? {}) as Record<string, unknown>;
    if (Object.entries(opts).some(([name, value]) => !unset(value) && !FIND_OPTIONS.has(name))) return undefined;
    const sorts = this.sortsOf(collection);
    if (!sorts.length || usesServerOnly(filter)) return undefined;
    const keys = Object.keys(filter);
    if (method === 'findOne' && keys.length === 1 && keys[0] === '_id' && unset(opts.sort) && unset(opts.skip)) {
      const id = (filter as Filter)._id;
      if (typeof id === 'string' || id instanceof mongoose.Types.ObjectId) return { kind: 'id', id };
      return undefined;
    }
    if (method !== 'find') return undefined;
    const sort = sortKeysOf(opts.sort);
    if (!sort || !sorts.some((s) => sameKeys(s, sort, 1) || sameKeys(s, sort, -1))) return undefined;
    const skip = unset(opts.skip) ? 0 : Number(opts.skip);
    const limit = unset(opts.limit) ? 0 : Number(opts.limit);
    if (!Number.isInteger(skip) || skip < 0 || !Number.isInteger(limit)) return undefined;
    return { kind: 'page', sort, skip, limit: Math.abs(limit) };
  }

  private viewOf(collection: string): View {
    let view = this.views.get(collection);
    if (!view) {
      view = new View(this.sortsOf(collection));
      this.views.set(collection, view);
    }
    return view;
  }

  /** Answers a read that `answerable` accepted: copies of the records, as the server would send them. */
  async read(collection: mongo.Collection, name: string, read: ViewRead, filter: Filter): Promise<Doc[]> {
    const view = this.viewOf(name);
    await view.sync(collection);
    const matches = sift(filter as Parameters<typeof sift>[0]);
    if (read.kind === 'id') {
      const doc = view.byId(read.id);
      return doc && matches(doc) ? [copy(doc)] : [];
    }
    const order = view.orderFor(read.sort)!;
    const out: Doc[] = [];
    let skipped = 0;
    // Leading sort keys the filter fixes by equality narrow the walk to their run of records, as an index range would.
    const [from, to] = pinnedRange(order.docs, order.keys, filter);
    const n = to - from;
    for (let i = 0; i < n; i++) {
      const doc = order.docs[order.reverse ? to - 1 - i : from + i];
      if (!matches(doc)) continue;
      if (skipped < read.skip) {
        skipped += 1;
        continue;
      }
      out.push(copy(doc));
      if (read.limit && out.length >= read.limit) break;
    }
    return out;
  }

  /** These records of the collection were written by this process (or may have been). */
  written(collection: string, ids: readonly unknown[]): void {
    const view = this.views.get(collection);
    if (!view) return;
    for (const id of ids) view.mark(id);
  }

  /** The collection was written in a way that names no single record. */
  changed(collection: string): void {
    this.views.get(collection)?.invalidate();
  }

  /** The database changed behind the adapter's back (a test's clear, a restore): every view is read again. */
  forget(): void {
    for (const view of this.views.values()) view.invalidate();
  }
}
