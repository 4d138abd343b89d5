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
 * relay reads and writes the raw documents).
 */
export type OutboxModel = Pick<Model<unknown>, 'collection'>;

/**
 * What watches a model's staging writes (the relay that publishes them):
 * asked before each staging write whether it may go ahead, and told after
 * it which record and entry it wrote.
 */
export interface OutboxWatcher {
  /** Resolves when a staging write may go ahead; rejects (ServiceBusyError) when it should not be made now. */
  admit(): Promise<void>;
  /**
   * The staging write of `entryId` in record `id` committed. Resolves once
   * the entry is published or a bounded wait is over; never rejects (the
   * entry is stored: a failed publish is the relay's to retry).
   */
  staged(id: unknown, entryId: string): Promise<void>;
}

const WATCHERS = Symbol('outboxWatchers');
type Watched = { [WATCHERS]?: Set<OutboxWatcher> };

const watchersOf = (model: unknown): OutboxWatcher[] => [...((model as Watched)[WATCHERS] ?? [])];

/**
 * Hands `watcher` every staging write of `model` (saveWithEvent), so a relay
 * publishes it at once rather than at its next scan, and may hold writes
 * back; returns the function that stops it. The watchers live on the model.
 */
export function watchStaged(model: OutboxModel, watcher: OutboxWatcher): () => void {
  const watched = model as Watched;
  (watched[WATCHERS] ??= new Set()).add(watcher);
  return () => void watched[WATCHERS]?.delete(watcher);
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
  /**
   * Whether saveWithEvent resolves only once the relay has published the
   * event (default true). False: the relay is still handed the record at
   * once, but the caller goes on as soon as the write is stored, for an
   * answer that does not depend on the event being out yet (the outbox
   * publishes it whatever becomes of the caller).
   */
  awaitPublish?: boolean;
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
 *
 * A relay watching the model (watchStaged) may hold the write back or refuse
 * it (ServiceBusyError) while its backlog is over its bound, and publishes the
 * entry as soon as it is committed: this resolves once the broker has it (or
 * after the relay's bounded wait), so the event is out when the caller
 * answers; with `options.awaitPublish` false, as soon as the write is stored.
 */
export async function saveWithEvent<D extends Document & WithOutbox, S extends Subjects>(
  doc: D,
  subject: S,
  data: EventData<S>,
  precondition?: Record<string, unknown>,
  options: StagingOptions = {},
): Promise<D> {
  const watchers = watchersOf(doc.constructor);
  await Promise.all(watchers.map((w) => w.admit()));
  const entry = entryOf(subject, data, options);
  const where = doc.$where;
  doc.outbox.push(entry);
  doc.set(OUTBOX_MARKER, true);
  // Written even when this copy still holds the marker from its last save: the relay may have dropped it since.
  doc.markModified(OUTBOX_MARKER);
  if (precondition) doc.$where = { ...where, ...precondition };
  let saved: D;
  try {
    saved = await doc.save();
  } catch (err) {
    const staged = doc.outbox.findIndex((e) => e.id === entry.id);
    if (staged >= 0) doc.outbox.splice(staged, 1);
    throw err;
  } finally {
    doc.$where = where;
  }
  const published = Promise.all(watchers.map((w) => w.staged(doc._id, entry.id)));
  if (options.awaitPublish !== false) await published;
  return saved;
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

/** Adds the outbox array and its marker (indexed) to a schema. */
export function outboxPlugin(schema: Schema): void {
  schema.add({ outbox: { type: [outboxEntrySchema], default: [] }, [OUTBOX_MARKER]: { type: Boolean } });
  // Sparse: only records with something to publish are in it.
  schema.index({ [OUTBOX_MARKER]: 1 }, { sparse: true });
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
