import { EventEmitter } from 'node:events';
import { Document, Schema } from 'mongoose';
import { EventData, EventEnvelope, Subjects } from '../events';
import { envelopeOf } from '../bus/publisher';
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
}

/** Tells relays in this process that something was staged, so they publish now rather than at the next poll. */
export const outboxSignal = new EventEmitter();
const STAGED = 'staged';
export const notifyOutbox = () => outboxSignal.emit(STAGED);
export const onOutboxStaged = (fn: () => void) => outboxSignal.on(STAGED, fn);
export const offOutboxStaged = (fn: () => void) => outboxSignal.off(STAGED, fn);

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

/** Stages an event on a document; it is stored by the document's next save(). */
export function stageEvent<S extends Subjects>(doc: Document & WithOutbox, subject: S, data: EventData<S>): void {
  doc.outbox.push(entryOf(subject, data));
}

/** The update fragment that stages an event inside an atomic findOneAndUpdate/updateOne. */
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

/** Adds the outbox array to a schema and wakes the relay after every write. */
export function outboxPlugin(schema: Schema): void {
  schema.add({ outbox: { type: [outboxEntrySchema], default: [] } });
  schema.post('save', notifyOutbox);
  schema.post('findOneAndUpdate', notifyOutbox);
  schema.post('updateOne', notifyOutbox);
  schema.post('insertMany', notifyOutbox);
}
