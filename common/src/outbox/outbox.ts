import { EventEmitter } from 'node:events';
import { Document, Model, Query, Schema, Types } from 'mongoose';
import { EventData, EventEnvelope, Subjects } from '../events';
import { envelopeOf } from '../bus/publisher';
import { recordLockPlugin } from '../mongo/record-lock';
import { traceStaged } from '../telemetry/tracing';

/**
 * The transactional outbox, kept inside the record it describes: an event is
 * pushed onto `outbox` in the same single-document write as the change (no
 * multi-document transactions on FerretDB or a standalone mongod), and the
 * OutboxRelay publishes and removes it afterwards.
 */
export interface OutboxEntry {
  id: string;
  subject: Subjects;
  time: Date;
  requestId?: string;
  /** W3C trace context of the staging ("create") span. */
  traceparent?: string;
  tracestate?: string;
  data: unknown;
}

export interface WithOutbox {
  outbox: OutboxEntry[];
  /**
   * Set in the same write that stages an entry, unset by the relay once the
   * outbox is empty: the indexed top-level field the relay's recovery scan
   * reads (entries left by a crash or staged by another process).
   */
  outboxPending?: boolean;
}

/** The marker field (see WithOutbox.outboxPending). */
export const OUTBOX_MARKER = 'outboxPending';

/**
 * What was staged: one record of one collection, or (id undefined) some
 * records a write did not name by _id, which only a scan can find.
 */
export interface OutboxStaged {
  collection: string;
  id?: unknown;
}

/** Tells relays in this process which record was staged, so they publish it now rather than at the next scan. */
export const outboxSignal = new EventEmitter();
outboxSignal.setMaxListeners(0);
const STAGED = 'staged';
export const notifyOutbox = (staged: OutboxStaged) => outboxSignal.emit(STAGED, staged);
export const onOutboxStaged = (fn: (staged: OutboxStaged) => void) => outboxSignal.on(STAGED, fn);
export const offOutboxStaged = (fn: (staged: OutboxStaged) => void) => outboxSignal.off(STAGED, fn);

function entryOf<S extends Subjects>(subject: S, data: EventData<S>): OutboxEntry {
  const envelope = envelopeOf(subject as never, data as never) as EventEnvelope;
  return {
    id: envelope.id,
    subject,
    time: new Date(envelope.time),
    ...(envelope.requestId ? { requestId: envelope.requestId } : {}),
    ...traceStaged(subject, envelope.id),
    data,
  };
}

/** Stages an event on a document; it is stored (with the marker) by the document's next save(). */
export function stageEvent<S extends Subjects>(doc: Document & WithOutbox, subject: S, data: EventData<S>): void {
  doc.outbox.push(entryOf(subject, data));
  doc.set(OUTBOX_MARKER, true);
}

/**
 * The update fragment that stages an event inside an atomic
 * findOneAndUpdate/updateOne. outboxPlugin adds the marker to that same
 * update (a `$set` here would replace the caller's own `$set` when spread).
 */
export function pushEvent<S extends Subjects>(subject: S, data: EventData<S>): { $push: { outbox: OutboxEntry } } {
  return { $push: { outbox: entryOf(subject, data) } };
}

const outboxEntrySchema = new Schema<OutboxEntry>(
  {
    id: { type: String, required: true },
    subject: { type: String, required: true },
    time: { type: Date, required: true },
    requestId: { type: String },
    traceparent: { type: String },
    tracestate: { type: String },
    data: { type: Schema.Types.Mixed, required: true },
  },
  { _id: false },
);

type Update = Record<string, any>;
const STAGES = Symbol('outboxStages');

/** Does this update push onto the outbox? Then it also sets the marker, in the same write. */
function markStagingUpdate(update: Update | null | undefined): boolean {
  if (!update || Array.isArray(update)) return false;
  const push = update.$push;
  if (!push || !Object.prototype.hasOwnProperty.call(push, 'outbox')) return false;
  update.$set = { ...(update.$set ?? {}), [OUTBOX_MARKER]: true };
  return true;
}

/** The single record a filter names by _id, if any. */
function idOf(filter: Record<string, unknown> | undefined): unknown {
  const id = filter?._id;
  if (id === undefined || id === null || (typeof id === 'object' && !(id instanceof Types.ObjectId))) return undefined;
  return id;
}

/**
 * Adds the outbox array and its marker (indexed) to a schema, sets the marker
 * in every write that stages an entry, and after that write tells the relay
 * which record it was, so the relay reads that record by _id (O(1) per
 * write, whatever the size of the collection).
 */
export function outboxPlugin(schema: Schema): void {
  // The relay's $pop and a concurrent staging write must not interleave:
  // FerretDB applies an update as read, modify, write back, so the pop's
  // write-back would erase the entry just pushed. Not left to the global
  // registration (a schema compiled before common's mongo module loads has none).
  schema.plugin(recordLockPlugin);
  schema.add({ outbox: { type: [outboxEntrySchema], default: [] }, [OUTBOX_MARKER]: { type: Boolean } });
  // Sparse: only records with something to publish are in it.
  schema.index({ [OUTBOX_MARKER]: 1 }, { sparse: true });

  schema.pre('save', function markOnSave(this: Document & WithOutbox) {
    if (this.outbox?.length && this.isModified('outbox')) this.set(OUTBOX_MARKER, true);
  });
  schema.post('save', function wakeOnSave(this: Document & WithOutbox, doc: Document & WithOutbox) {
    if (doc.outbox?.length) notifyOutbox({ collection: (doc.constructor as Model<unknown>).collection.name, id: doc._id });
  });

  for (const op of ['findOneAndUpdate', 'updateOne'] as const) {
    schema.pre(op, function markOnUpdate(this: Query<unknown, unknown> & { [STAGES]?: boolean }) {
      this[STAGES] = markStagingUpdate(this.getUpdate() as Update);
    });
    schema.post(op, function wakeOnUpdate(this: Query<unknown, unknown> & { [STAGES]?: boolean }, result: any) {
      if (!this[STAGES]) return;
      const id = idOf(this.getFilter()) ?? (result && typeof result === 'object' && '_id' in result ? result._id : undefined);
      notifyOutbox({ collection: this.model.collection.name, id });
    });
  }
  schema.pre('insertMany', function markOnInsertMany(next: (err?: Error) => void, docs: unknown) {
    for (const doc of (Array.isArray(docs) ? docs : [docs]) as Array<Record<string, any>>) {
      if (doc && Array.isArray(doc.outbox) && doc.outbox.length) doc[OUTBOX_MARKER] = true;
    }
    next();
  });
  schema.post('insertMany', function wakeOnInsertMany(this: Model<unknown>, docs: unknown) {
    for (const doc of (Array.isArray(docs) ? docs : []) as Array<Document & WithOutbox>) {
      if (doc.outbox?.length) notifyOutbox({ collection: this.collection.name, id: doc._id });
    }
  } as never);
}
