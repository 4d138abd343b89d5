import mongoose from 'mongoose';
import { eventReplicaSchema, EventReplicaDoc } from '@ticketing/common';

/** The orders service's replica of events (event:created/updated/cancelled): whether a listing's event is on sale. */
export const EventReplica = mongoose.model<EventReplicaDoc>('Event', eventReplicaSchema());
