import { Document, Model, Schema } from 'mongoose';
import { EventData, EventEnvelope, Subjects } from '../events';
import { envelopeOf } from '../bus/publisher';
import type { OutboxBacklog } from '../telemetry/metrics';
import { ContinuedTrace, traceStaged } from '../telemetry/tracing';

/**
 * The transactional outbox, kept inside the record it describes: an event is
 * pushed onto `outbox` in the same single-document write as the change (no
 * multi-document transactions, which a standalone server lacks), and the
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
 * A model with the outbox plugin, as the relay sees it: its collection (the
 * relay reads and writes the raw documents) and its saves that stage events.
 */
export interface OutboxModel extends Pick<Model<unknown>, 'collection'> {
  on(event: string, listener: (id: unknown) => void): unknown;
  off(event: string, listener: (id: unknown) => void): unknown;
}

/** Emitted on the model (mongoose models are event emitters) by a save that staged an entry. */
const STAGED = 'outbox:staged';

/**
 * Calls `fn` with the _id of every record a save of `model` staged an entry
 * in, so a relay publishes it now rather than at its next scan; returns the
 * function that stops it.
 */
export function watchStaged(model: OutboxModel, fn: (id: unknown) => void): () => void {
  model.on(STAGED, fn);
  return () => void model.off(STAGED, fn);
}

/** How an event is staged, beyond what it says. */
export interface StagingOptions {
  /**
   * The trace the event continues instead of the active one (a context kept
   * with a record when the work it belongs to began; see traceStaged). A
   * carrier with no traceparent (a record kept before there was one) changes
   * nothing.
   */
  continueTrace?: ContinuedTrace;
}

function entryOf<S extends Subjects>(subject: S, data: EventData<S>, { continueTrace }: StagingOptions): OutboxEntry {
  const envelope = envelopeOf(subject as never, data as never) as EventEnvelope;
  return {
    id: envelope.id,
    subject,
    time: new Date(envelope.time),
    ...(envelope.requestId ? { requestId: envelope.requestId } : {}),
    ...traceStaged(subject, envelope.id, continueTrace),
    data,
  };
}

/**
 * The one way to stage an event: the document's pending changes and the
 * event announcing them are saved together, in one single-document write
 * (the event in the document's outbox, with the marker), and the
 * OutboxRelay publishes it afterwards. `precondition` adds to the write's
 * filter what must still hold beyond mongoose's version check (for this
 * save only); `options.continueTrace` stages it in a kept trace. Rejects
 * as save() does when the write matches nothing (VersionError when the save
 * is versioned, as an outbox push is; DocumentNotFoundError otherwise);
 * the entry is then taken off the document again, so deciding again on a
 * fresh read stages it once.
 */
export async function saveWithEvent<D extends Document & WithOutbox, S extends Subjects>(
  doc: D,
  subject: S,
  data: EventData<S>,
  precondition?: Record<string, unknown>,
  options: StagingOptions = {},
): Promise<D> {
  const entry = entryOf(subject, data, options);
  const where = doc.$where;
  doc.outbox.push(entry);
  doc.set(OUTBOX_MARKER, true);
  // Written even when this copy still holds the marker from its last save: the relay may have dropped it since.
  doc.markModified(OUTBOX_MARKER);
  if (precondition) doc.$where = { ...where, ...precondition };
  try {
    return await doc.save();
  } catch (err) {
    const staged = doc.outbox.findIndex((e) => e.id === entry.id);
    if (staged >= 0) doc.outbox.splice(staged, 1);
    throw err;
  } finally {
    doc.$where = where;
  }
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

/**
 * Adds the outbox array and its marker (indexed) to a schema and, after a
 * save that staged an entry (saveWithEvent), tells the relays watching the
 * model which record it was (watchStaged), so a relay reads that record by
 * _id: the cost per write does not grow with the collection.
 */
export function outboxPlugin(schema: Schema): void {
  schema.add({ outbox: { type: [outboxEntrySchema], default: [] }, [OUTBOX_MARKER]: { type: Boolean } });
  // Sparse: only records with something to publish are in it.
  schema.index({ [OUTBOX_MARKER]: 1 }, { sparse: true });

  schema.post('save', function wakeOnSave(this: Document & WithOutbox, doc: Document & WithOutbox) {
    if (doc.outbox?.length) (doc.constructor as Model<unknown>).emit(STAGED, doc._id);
  });
}

/** What a model's outbox holds unpublished (for the metrics): entries, and the age of the oldest. */
export async function outboxBacklog(model: Pick<OutboxModel, 'collection'>, scanLimit: number, now = Date.now()): Promise<OutboxBacklog> {
  const docs = await model.collection
    // By the indexed marker.
    .find({ [OUTBOX_MARKER]: true }, { projection: { outbox: 1 } })
    .limit(scanLimit)
    .toArray();
  let entries = 0;
  let oldest = now;
  for (const doc of docs) {
    for (const entry of (doc.outbox ?? []) as Array<{ time?: Date | string }>) {
      entries += 1;
      const t = new Date(entry.time ?? now).getTime();
      if (t < oldest) oldest = t;
    }
  }
  return { entries, oldestAgeSeconds: (now - oldest) / 1000 };
}
