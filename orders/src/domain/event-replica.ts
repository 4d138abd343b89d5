import { applyEventToReplica, EventData, Subjects } from '@ticketing/common';
import { EventReplica } from '../data/event';

/** event:created, event:updated, event:cancelled — the newest version of the event wins, in any order; redeliveries change nothing. */
export function applyEvent(data: EventData<Subjects.EventCreated | Subjects.EventUpdated | Subjects.EventCancelled>): Promise<void> {
  return applyEventToReplica(EventReplica, data);
}
