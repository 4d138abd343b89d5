import { EventReplicaDoc, eventReplicaSchema } from '@ticketing/common';
import mongoose from 'mongoose';

/** The events listings may be for, as event:created, event:updated and event:cancelled describe them (newest version kept). */
export const Event = mongoose.model<EventReplicaDoc>('Event', eventReplicaSchema());

/** The replica's record of an event; null when this service has not heard of it. */
export function findEvent(eventId: string) {
  return Event.findById(eventId).lean<EventReplicaDoc>().exec();
}
