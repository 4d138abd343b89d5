import mongoose from 'mongoose';
import { eventReplicaSchema, EventReplicaDoc } from '@ticketing/common';

/** Payments' replica of events (event:created, event:updated): when payouts of an event are released. */
export const Event = mongoose.model<EventReplicaDoc>('Event', eventReplicaSchema());
