import { EventCancelledEvent, EventCreatedEvent, EventUpdatedEvent, Listener, ListenerMessage, Subjects } from '@ticketing/common';
import { voidPassesOfEvent } from '../../domain/passes';
import { cancelListingsOfEvent, recordEvent } from '../../domain/tickets';
import { queueGroup } from './queue-group';

/** A new event listings may be for (domain/tickets.ts: recordEvent). */
export class EventCreatedListener extends Listener<EventCreatedEvent> {
  readonly subject = Subjects.EventCreated;
  readonly queueGroupName = queueGroup;

  async onMessage(data: EventCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await recordEvent(data);
    msg.ack();
  }
}

/** An event's new name, time or place (domain/tickets.ts: recordEvent). */
export class EventUpdatedListener extends Listener<EventUpdatedEvent> {
  readonly subject = Subjects.EventUpdated;
  readonly queueGroupName = queueGroup;

  async onMessage(data: EventUpdatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await recordEvent(data);
    msg.ack();
  }
}

/** The event is off: its listings stop being offered and its passes are void (cancelListingsOfEvent, voidPassesOfEvent). */
export class EventCancelledListener extends Listener<EventCancelledEvent> {
  readonly subject = Subjects.EventCancelled;
  readonly queueGroupName = queueGroup;

  async onMessage(data: EventCancelledEvent['data'], msg: ListenerMessage): Promise<void> {
    await recordEvent(data);
    await cancelListingsOfEvent(data.id);
    await voidPassesOfEvent(data.id);
    msg.ack();
  }
}
