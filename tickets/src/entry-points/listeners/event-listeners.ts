import { EventCancelledEvent, EventCreatedEvent, EventUpdatedEvent, Listener, ListenerMessage, Subjects } from '@ticketing/common';
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

/** The event is off: its listings stop being offered (domain/tickets.ts: cancelListingsOfEvent). */
export class EventCancelledListener extends Listener<EventCancelledEvent> {
  readonly subject = Subjects.EventCancelled;
  readonly queueGroupName = queueGroup;

  async onMessage(data: EventCancelledEvent['data'], msg: ListenerMessage): Promise<void> {
    await recordEvent(data);
    await cancelListingsOfEvent(data.id);
    msg.ack();
  }
}
