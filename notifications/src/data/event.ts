import mongoose from 'mongoose';
import { EventReplicaDoc, eventReplicaSchema } from '@ticketing/common';

/** The replica of events: which can be watched, and their names in messages. */
export const EventReplica = mongoose.model<EventReplicaDoc>('Event', eventReplicaSchema());
