/**
 * Finds by an immutable field that leads an index, answered by `_id` reads
 * (docs/ferretdb.md): per value, the ids of the records that have it are kept
 * in `<collection>_by_<field>`. An insert lists its record before writing it,
 * and every record read through a list is tested against the whole filter,
 * so an entry whose record was never written, or was deleted, is harmless.
 */
import mongoose, { mongo } from 'mongoose';
import sift from 'sift';
import { RecordLocks } from './record-lock';
import { Filter, Options, singleId, usesServerOnly } from './writes-by-id';

type Doc = mongo.Document;
interface ListDoc {
  _id: string;
  ids?: unknown[];
  at?: Date;
}

/** The record that says a collection's lists hold every record (lists are `v:<value>`). */
const COMPLETE = 'complete';
const keyOf = (value: unknown) => `v:${String(value)}`;
const isValue = (value: unknown) => typeof value === 'string' || value instanceof mongoose.Types.ObjectId;
const BATCH = 500;

/** The options a find through the lists honours; any other one (sort, limit, projection...) sends it to the server. */
const HONOURED = new Set(['session']);
const honoured = (options: unknown) =>
  !options || Object.entries(options as Filter).every(([name, value]) => value === undefined || value === null || HONOURED.has(name));

/** Whether an update may set the field (a pipeline may set anything). */
function touches(update: unknown, field: string): boolean {
  if (Array.isArray(update)) return true;
  if (!update || typeof update !== 'object') return false;
  const hits = (path: unknown) => typeof path === 'string' && (path === field || path.startsWith(`${field}.`));
  return Object.entries(update as Filter).some(
    ([op, paths]) => !!paths && typeof paths === 'object' && Object.entries(paths as Filter).some(([path, to]) => hits(path) || (op === '$rename' && hits(to))),
  );
}

/** A write seen before it is sent: the records it lists, or whether it may move records between values. */
export interface ListedWrite {
  /** Records to list before the write (inserts; a replacement of one record by `_id`). */
  list: Doc[];
  /** The write may give a record another value: the lists are built again around it. */
  moves: boolean;
}

/** How a write of a collection with listed fields affects its lists. */
export function listedWrite(method: string, args: unknown[], fields: readonly string[]): ListedWrite {
  const options = args[2] as Options;
  switch (method) {
    case 'insertOne':
      return { list: [args[0] as Doc], moves: false };
    case 'insertMany':
      return { list: args[0] as Doc[], moves: false };
    case 'updateOne':
    case 'updateMany':
    case 'findOneAndUpdate':
      return { list: [], moves: !!options?.upsert || fields.some((field) => touches(args[1], field)) };
    case 'replaceOne':
    case 'findOneAndReplace': {
      const replacement = (args[1] ?? {}) as Doc;
      if (!fields.some((field) => field in replacement)) return { list: [], moves: !!options?.upsert };
      const id = singleId(args[0]);
      if (id === undefined || options?.upsert) return { list: [], moves: true };
      return { list: [{ ...replacement, _id: id }], moves: false };
    }
    case 'bulkWrite': {
      const ops = (args[0] ?? []) as Array<Record<string, { document?: Doc }>>;
      const list = ops.flatMap((op) => (op.insertOne?.document ? [op.insertOne.document] : []));
      return { list, moves: ops.some((op) => !('insertOne' in op || 'deleteOne' in op || 'deleteMany' in op)) };
    }
    default:
      return { list: [], moves: false };
  }
}

export class LookupLists {
  /** Collection name → its listed fields (only for collections a model was found for). */
  private readonly fields = new Map<string, readonly string[]>();
  /** `collection field` → its lists are complete once this settles. */
  private readonly built = new Map<string, Promise<void>>();
  /** `collection field` → writes that may have moved records since this process started. */
  private readonly moved = new Map<string, number>();

  constructor(
    private readonly connection: mongoose.Connection,
    /** The adapter's record locks: a list is a record FerretDB updates by read, modify, write back. */
    private readonly locks: RecordLocks,
  ) {}

  /** The collection's listed fields: immutable, leading an index of its model's schema. */
  fieldsOf(collection: string): readonly string[] {
    const known = this.fields.get(collection);
    if (known) return known;
    const model = Object.values(this.connection.models).find((m) => m.collection.collectionName === collection);
    if (!model) return [];
    const { schema } = model;
    const leading = new Set(schema.indexes().map(([keys]) => Object.keys(keys)[0]));
    const fields = [...leading].filter((path) => {
      const type = path === '_id' ? undefined : schema.path(path);
      return type?.options?.immutable === true && (type.instance === 'String' || type.instance === 'ObjectId');
    });
    this.fields.set(collection, fields);
    return fields;
  }

  /** The listed field and value a find names, when the lists can answer it (beside `_id: {$ne}` or `{$nin}` only). */
  answerable(fields: readonly string[], filter: unknown, options: unknown): { field: string; value: unknown } | undefined {
    if (!fields.length || !filter || typeof filter !== 'object') return undefined;
    if ('_id' in filter && excludedIds(filter as Filter) === undefined) return undefined;
    const field = fields.find((f) => isValue((filter as Filter)[f]));
    if (field === undefined || !honoured(options) || usesServerOnly(filter)) return undefined;
    return { field, value: (filter as Filter)[field] };
  }

  /** The records on the value's list that match the filter, in the order they were listed. */
  async find(collection: mongo.Collection, field: string, value: unknown, filter: Filter, options: Options): Promise<Doc[]> {
    await this.ready(collection, field);
    const list = await this.side(collection, field).findOne({ _id: keyOf(value) });
    if (!list?.ids?.length) return [];
    const read = options?.session ? { session: options.session as mongo.ClientSession } : {};
    // Records the filter leaves out by `_id` are not read (a writer asking for the others of its own record's list).
    const excluded = new Set((excludedIds(filter) ?? []).map(String));
    const ids = excluded.size ? list.ids.filter((id) => !excluded.has(String(id))) : list.ids;
    const docs = await Promise.all(ids.map((id) => collection.findOne({ _id: id } as mongo.Filter<Doc>, read)));
    const matches = sift(filter as Parameters<typeof sift>[0]);
    return docs.filter((doc): doc is mongo.WithId<Doc> => !!doc && matches(doc));
  }

  /** Lists records about to be written (giving one without an `_id` the one the driver would). */
  async list(collection: mongo.Collection, fields: readonly string[], docs: Doc[]): Promise<void> {
    for (const doc of docs) doc._id ??= new mongoose.Types.ObjectId();
    await Promise.all(
      fields.map(async (field) => {
        await this.ready(collection, field);
        await this.add(collection, field, docs.map((doc) => [doc[field], doc._id]));
      }),
    );
  }

  /** Before a write that may move records: the lists stop counting as complete (for a process started after a crash too). */
  async unsettle(collection: mongo.Collection, fields: readonly string[]): Promise<void> {
    for (const field of fields) {
      const key = `${collection.collectionName} ${field}`;
      this.moved.set(key, (this.moved.get(key) ?? 0) + 1);
      await this.side(collection, field).deleteOne({ _id: COMPLETE });
    }
  }

  /** After it: built again from a scan before their next use. */
  resettle(collection: mongo.Collection, fields: readonly string[]): void {
    for (const field of fields) {
      const key = `${collection.collectionName} ${field}`;
      const previous = this.built.get(key) ?? Promise.resolve();
      this.track(key, previous.catch(() => undefined).then(() => this.build(collection, field)));
    }
  }

  private side(collection: mongo.Collection, field: string): mongo.Collection<ListDoc> {
    return this.connection.db!.collection<ListDoc>(`${collection.collectionName}_by_${field}`);
  }

  private ready(collection: mongo.Collection, field: string): Promise<void> {
    const key = `${collection.collectionName} ${field}`;
    return this.built.get(key) ?? this.track(key, this.build(collection, field));
  }

  /** Remembers a build; a failed one is tried again at the next use. */
  private track(key: string, build: Promise<void>): Promise<void> {
    this.built.set(key, build);
    build.catch(() => {
      if (this.built.get(key) === build) this.built.delete(key);
    });
    return build;
  }

  private async add(collection: mongo.Collection, field: string, pairs: Array<[unknown, unknown]>): Promise<void> {
    const byValue = new Map<string, unknown[]>();
    for (const [value, id] of pairs) {
      if (!isValue(value)) continue;
      const key = keyOf(value);
      const ids = byValue.get(key);
      if (ids) ids.push(id);
      else byValue.set(key, [id]);
    }
    const side = this.side(collection, field);
    const keys = [...byValue.keys()].sort(); // taken in one order, so two writers of several lists never wait for each other
    const releases: Array<() => void> = [];
    try {
      for (const key of keys) releases.push(await this.locks.acquire(side.collectionName, key));
      const ops = keys.map((key) => {
        const ids = byValue.get(key)!;
        return { updateOne: { filter: { _id: key }, update: { $addToSet: { ids: ids.length === 1 ? ids[0] : { $each: ids } } }, upsert: true } };
      });
      if (ops.length === 1) {
        const { filter, update, upsert } = ops[0].updateOne;
        await side.updateOne(filter, update as mongo.UpdateFilter<ListDoc>, { upsert });
        return;
      }
      for (let i = 0; i < ops.length; i += BATCH) await side.bulkWrite(ops.slice(i, i + BATCH) as mongo.AnyBulkWriteOperation<ListDoc>[], { ordered: false });
    } finally {
      for (const release of releases) release();
    }
  }

  /** Lists every stored record once per database (and after a write that may have moved records). */
  private async build(collection: mongo.Collection, field: string): Promise<void> {
    const key = `${collection.collectionName} ${field}`;
    const moved = this.moved.get(key) ?? 0;
    const side = this.side(collection, field);
    if (moved === 0 && (await side.findOne({ _id: COMPLETE }))) return;
    const pairs: Array<[unknown, unknown]> = [];
    for await (const doc of collection.find({}, { projection: { [field]: 1 } })) pairs.push([doc[field], doc._id]);
    await this.add(collection, field, pairs);
    // A move meanwhile: its own build, queued behind this one, marks them complete.
    if ((this.moved.get(key) ?? 0) === moved) await side.updateOne({ _id: COMPLETE }, { $set: { at: new Date() } }, { upsert: true });
  }
}

/** The `_id`s a filter's `_id: {$ne: id}` or `{$nin: [ids]}` leaves out; undefined when `_id` is absent or asks anything else. */
function excludedIds(filter: Filter): unknown[] | undefined {
  const condition = filter._id;
  if (!condition || typeof condition !== 'object' || condition instanceof mongoose.Types.ObjectId) return undefined;
  const ops = Object.keys(condition as Filter);
  if (ops.length !== 1) return undefined;
  const value = (condition as Filter)[ops[0]];
  if (ops[0] === '$ne' && isValue(value)) return [value];
  if (ops[0] === '$nin' && Array.isArray(value) && value.every(isValue)) return value;
  return undefined;
}
