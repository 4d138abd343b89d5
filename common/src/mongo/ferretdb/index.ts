/**
 * The FerretDB adapter (docs/ferretdb.md): on a connection whose server says
 * it is FerretDB, the collections are wrapped once, so that a write naming
 * one record holds that record's lock, a conditional write goes by `_id`, a
 * find by an immutable indexed field goes through lists of ids, and a find
 * sorted by a sort index (and a read by `_id` of such a collection) is
 * answered from the records kept in process. On any other server nothing is
 * wrapped.
 */
import mongoose, { mongo } from 'mongoose';
import { logger } from '../../logger';
import { listedWrite, LookupLists } from './lookup-lists';
import { RecentReads } from './recent-reads';
import { RecordLocks } from './record-lock';
import { SortedViews } from './sorted-views';
import { Filter, Options, RECORD_WRITES, singleId, singleIdOfIn, writeById } from './writes-by-id';

/** The answer to buildInfo, as far as the adapter reads it. */
export interface BuildInfo {
  version?: unknown;
  ferretdbVersion?: unknown;
}

export const isFerretDB = (info: BuildInfo): boolean => typeof info.ferretdbVersion === 'string';

type Method = (this: AdaptedCollection, ...args: unknown[]) => unknown;
const WRAPPED = Symbol('ferretdbWrapped');
const ADAPTER = Symbol('ferretdbAdapter');

/** mongoose's collection (what a model's `collection` is), as the adapter uses it. */
interface AdaptedCollection {
  name: string;
  /** True until the connection first opens; mongoose replays calls queued meanwhile through the same method. */
  buffer: boolean;
  /** The driver's collection. */
  collection: mongo.Collection;
  [WRAPPED]?: true;
}
type Methods = AdaptedCollection & Record<string, Method>;

/** A call the adapter leaves to mongoose as it is: queued before the connection opened, or in callback style. */
const leftAsIs = (collection: AdaptedCollection, args: unknown[]) => collection.buffer || typeof args[args.length - 1] === 'function';
type AdaptedConnection = mongoose.Connection & { [ADAPTER]?: FerretDBAdapter };

const READS = ['find', 'findOne', 'countDocuments'] as const;
/** Writes that may add records to a value's list, or move them between values. */
const LISTED_WRITES = ['insertOne', 'insertMany', 'bulkWrite'] as const;
/** Writes that name no single record: a collection's view is read again after them. */
const OTHER_WRITES = ['deleteMany', 'drop'] as const;

/** The `_id`s an insert gave its records (the driver sets them on the documents it was handed). */
function insertedIds(method: string, args: unknown[]): unknown[] | undefined {
  if (method === 'insertOne') return [(args[0] as { _id?: unknown } | undefined)?._id];
  if (method === 'insertMany' && Array.isArray(args[0])) return (args[0] as Array<{ _id?: unknown }>).map((doc) => doc?._id);
  return undefined;
}

/** A find answered from the lists by toArray; anything else (a sort, a stream...) opens the server's cursor and is the server's from then on. */
function listedCursor(listed: () => Promise<unknown[]>, server: () => { toArray(): Promise<unknown[]> }): object {
  let cursor: ReturnType<typeof server> | undefined;
  return new Proxy(
    {},
    {
      get(_target, prop) {
        if (prop === 'toArray' && !cursor) return listed;
        if (prop === 'then') return undefined; // awaited by mongoose: not a promise
        cursor ??= server();
        const value = Reflect.get(cursor, prop, cursor) as unknown;
        return typeof value === 'function' ? value.bind(cursor) : value;
      },
    },
  );
}

export class FerretDBAdapter {
  readonly locks = new RecordLocks();
  readonly lookups: LookupLists;
  readonly views: SortedViews;
  readonly recent = new RecentReads();

  constructor(readonly connection: mongoose.Connection) {
    this.lookups = new LookupLists(connection, this.locks);
    this.views = new SortedViews(connection);
  }

  /** Wraps every collection of the connection, and every one it opens later. */
  attach(): void {
    const connection = this.connection as AdaptedConnection;
    connection[ADAPTER] = this;
    for (const collection of Object.values(connection.collections)) this.wrap(collection as unknown as Methods);
    // Models compiled later open their collection here.
    const open = connection.collection;
    const wrap = (collection: unknown) => this.wrap(collection as Methods);
    connection.collection = function collectionOfAdaptedConnection(this: mongoose.Connection, ...args: Parameters<typeof open>) {
      const collection = open.apply(this, args);
      wrap(collection);
      return collection;
    } as typeof open;
  }

  private wrap(collection: Methods): void {
    if (collection[WRAPPED]) return;
    collection[WRAPPED] = true;
    const proto = Object.getPrototypeOf(collection) as Record<string, Method>;
    const { locks, lookups, views, recent } = this;
    const findOne = proto.findOne;
    // A conditional write tests its conditions on this process's read of a moment ago when it still stands (recent-reads.ts).
    const readOne = (self: AdaptedCollection) => (filter: Filter, options: object, conditions: Filter) =>
      (options as { session?: unknown }).session ? (findOne.call(self, filter, options) as Promise<unknown>)
        : Promise.resolve(recent.current(self.name, filter._id, conditions) ?? (findOne.call(self, filter, options) as Promise<unknown>));

    for (const method of READS) {
      const original = proto[method];
      // Not async: mongoose's find returns the driver's cursor as it is.
      collection[method] = function readAdapted(this: AdaptedCollection, ...args: unknown[]) {
        if (leftAsIs(this, args)) return original.apply(this, args);
        const id = singleIdOfIn(args[0]);
        if (id !== undefined) args = [{ _id: id }, ...args.slice(1)];
        const kept = method === 'countDocuments' ? undefined : views.answerable(this.name, method, args[0], args[1]);
        if (kept) {
          const read = () => views.read(this.collection, this.name, kept, args[0] as Filter);
          if (method === 'findOne') return read().then((docs) => docs[0] ?? null);
          return listedCursor(read, () => original.apply(this, args) as { toArray(): Promise<unknown[]> });
        }
        const named = method === 'findOne' ? (id ?? singleId(args[0])) : undefined;
        if (named !== undefined) {
          // A read of one record: kept a moment for a conditional write of it that follows (recent-reads.ts).
          const kept = recent.reading(this.name, named, args[1]);
          const read = original.apply(this, args) as Promise<unknown>;
          return read.then((doc) => {
            kept(doc);
            return doc;
          });
        }
        if (id !== undefined) return original.apply(this, args);
        const by = method === 'countDocuments' ? undefined : lookups.answerable(lookups.fieldsOf(this.name), args[0], args[1]);
        if (!by) return original.apply(this, args);
        const listed = () => lookups.find(this.collection, by.field, by.value, args[0] as Filter, args[1] as Options);
        if (method === 'findOne') return listed().then((docs) => docs[0] ?? null);
        return listedCursor(listed, () => original.apply(this, args) as { toArray(): Promise<unknown[]> });
      };
    }

    /** Sends a write as it is, or around the lists of the collection's listed fields. */
    const send = async (self: AdaptedCollection, method: string, original: Method, args: unknown[]) => {
      const fields = lookups.fieldsOf(self.name);
      if (!fields.length) return original.apply(self, args);
      const { list, moves } = listedWrite(method, args, fields);
      if (list.length) await lookups.list(self.collection, fields, list);
      if (!moves) return original.apply(self, args);
      await lookups.unsettle(self.collection, fields);
      try {
        return await original.apply(self, args);
      } finally {
        lookups.resettle(self.collection, fields);
      }
    };

    for (const [method, write] of Object.entries(RECORD_WRITES)) {
      const original = proto[method];
      collection[method] = async function writeAdapted(this: AdaptedCollection, ...args: unknown[]) {
        if (leftAsIs(this, args)) return original.apply(this, args);
        const id = singleId(args[0]);
        let sent = false;
        const sendAs = (written: unknown[]) => {
          sent = true;
          return send(this, method, original, written);
        };
        try {
          if (id === undefined) {
            recent.changed(this.name);
            return await sendAs(args);
          }
          // Held across the read and the write of a conditional write: nothing of this process writes the record between them.
          return await locks.hold(this.name, id, () => writeById(write, args, sendAs, readOne(this)));
        } finally {
          if (id === undefined) recent.changed(this.name);
          // (A conditional write that matched nothing was not sent: the read it was tested on still stands.)
          else if (sent) recent.written(this.name, id);
          // Done (or failed, maybe half done): the view reads the record, or all of them, again.
          if (id === undefined) views.changed(this.name);
          else views.written(this.name, [id]);
        }
      };
    }

    for (const method of LISTED_WRITES) {
      const original = proto[method];
      collection[method] = function writeListed(this: AdaptedCollection, ...args: unknown[]) {
        if (leftAsIs(this, args)) return original.apply(this, args);
        // An insert changes no record there was (a record inserted is as this process wrote it); the others may change any.
        const inserts = method === 'insertOne' || method === 'insertMany';
        if (!inserts) recent.changed(this.name);
        const written = Promise.resolve(
          lookups.fieldsOf(this.name).length ? send(this, method, original, args) : (original.apply(this, args) as Promise<unknown>),
        ).then(
          (result) => {
            if (method === 'insertOne') recent.inserted(this.name, args[0]);
            else if (!inserts) recent.changed(this.name);
            return result;
          },
          (err: unknown) => {
            if (!inserts) recent.changed(this.name);
            throw err;
          },
        );
        if (!views.sortsOf(this.name).length) return written;
        const settle = () => {
          const ids = insertedIds(method, args);
          if (ids && ids.every((id) => id !== undefined)) views.written(this.name, ids);
          else views.changed(this.name);
        };
        return Promise.resolve(written).finally(settle);
      };
    }

    // FerretDB applies an updateMany as read, modify, write back whole records, outside any lock: a write of
    // this process landing in between is lost. As on MongoDB (each record updated atomically), each matching
    // record is updated here on its own, as a conditional updateOne under its record lock.
    const updateMany = proto.updateMany;
    collection.updateMany = async function updateEachAdapted(this: AdaptedCollection, ...args: unknown[]) {
      const self = this as Methods;
      const [filter, update, options] = args as [Filter, unknown, (Options & { upsert?: boolean }) | undefined];
      if (leftAsIs(this, args) || options?.upsert || options?.session) return updateMany.apply(this, args);
      const matching = (await (self.find(filter, { projection: { _id: 1 } }) as unknown as { toArray(): Promise<Array<{ _id: unknown }>> }).toArray());
      const outcome = { acknowledged: true, matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: null };
      for (const { _id } of matching) {
        const one = (await self.updateOne({ ...filter, _id }, update, options ?? {})) as { matchedCount?: number; modifiedCount?: number };
        outcome.matchedCount += one.matchedCount ?? 0;
        outcome.modifiedCount += one.modifiedCount ?? 0;
      }
      return outcome;
    };

    for (const method of OTHER_WRITES) {
      const original = proto[method];
      collection[method] = function writeAll(this: AdaptedCollection, ...args: unknown[]) {
        if (leftAsIs(this, args)) return original.apply(this, args);
        recent.changed(this.name);
        return Promise.resolve(original.apply(this, args) as Promise<unknown>).finally(() => {
          recent.changed(this.name);
          if (views.sortsOf(this.name).length) views.changed(this.name);
        });
      };
    }
  }
}

/** The adapter of a connection, when it has one. */
export const ferretdbAdapterOf = (connection: mongoose.Connection): FerretDBAdapter | undefined => (connection as AdaptedConnection)[ADAPTER];

/**
 * Asks the server what it is and, when it is FerretDB, adapts this
 * connection (see the top of this file); resolves with whether it did. Call
 * once connected. `ask` stands for the question (tests answer it).
 */
export async function adaptToFerretDB(
  connection: mongoose.Connection,
  ask: () => Promise<BuildInfo> = () => connection.db!.admin().command({ buildInfo: 1 }),
): Promise<boolean> {
  if (ferretdbAdapterOf(connection)) return true;
  let info: BuildInfo;
  try {
    info = await ask();
  } catch (err) {
    // Unknown server: leave its reads and writes as they are (always correct, maybe slower).
    logger.warn({ err }, 'buildInfo failed; reads and writes go to the server unchanged');
    return false;
  }
  if (!isFerretDB(info)) return false;
  new FerretDBAdapter(connection).attach();
  return true;
}
