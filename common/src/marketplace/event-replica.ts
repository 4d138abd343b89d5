import mongoose from 'mongoose';
import { EventData } from '../events/events';
import { EventStatus, Subjects } from '../events/subjects';
import { isDuplicateKey } from '../mongo';

export const EVENT_NOT_FOUND_MESSAGE = 'Event not found';
export const EVENT_NOT_ON_SALE_MESSAGE = 'Event is not on sale';

/**
 * What a service that sells seats keeps of an event (fed by event:created,
 * event:updated and event:cancelled): enough to tell whether it is on sale.
 */
export interface EventReplicaDoc {
  _id: mongoose.Types.ObjectId;
  name: string;
  startsAt: Date;
  status: EventStatus;
  /** Who may admit at its gate (tickets' passes); absent from replicas stored before it was kept. */
  organizerId?: string;
  /** The events service's version: a message older than the stored one changes nothing. */
  version: number;
}

/** The schema each service registers under its own model (`mongoose.model('Event', eventReplicaSchema())`). */
export function eventReplicaSchema(): mongoose.Schema<EventReplicaDoc> {
  return new mongoose.Schema<EventReplicaDoc>(
    {
      name: { type: String, required: true },
      startsAt: { type: Date, required: true },
      status: { type: String, required: true, enum: Object.values(EventStatus) },
      organizerId: { type: String },
      version: { type: Number, required: true },
    },
    { versionKey: false },
  );
}

type EventMessage = EventData<Subjects.EventCreated | Subjects.EventUpdated | Subjects.EventCancelled>;

/**
 * Applies an event message to the replica when it is newer than what is
 * stored. Every message carries the whole event, so the newest version wins
 * and messages may arrive in any order; a redelivery changes nothing.
 */
export async function applyEventToReplica(model: mongoose.Model<EventReplicaDoc>, data: EventMessage): Promise<void> {
  const fields = { name: data.name, startsAt: new Date(data.startsAt), status: data.status, organizerId: data.organizerId, version: data.version };
  // Two rounds: an insert that loses to a concurrent insert of an older version updates it on the second.
  for (let round = 0; round < 2; round += 1) {
    const newer = await model.updateOne({ _id: data.id, version: { $lt: data.version } }, { $set: fields });
    if (newer.matchedCount === 1) return;
    try {
      await model.create({ _id: data.id, ...fields });
      return;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const stored = await model.findById(data.id, { version: 1 }).lean<{ version: number }>();
      if (stored && stored.version >= data.version) return;
    }
  }
}

export type EventSaleState = 'on-sale' | 'unknown' | 'not-on-sale';

/** Whether seats of this event may be listed or ordered at `now`: scheduled and not started. */
export function eventSaleState(event: Pick<EventReplicaDoc, 'startsAt' | 'status'> | null, now = new Date()): EventSaleState {
  if (!event) return 'unknown';
  return event.status === EventStatus.Scheduled && event.startsAt.getTime() > now.getTime() ? 'on-sale' : 'not-on-sale';
}
