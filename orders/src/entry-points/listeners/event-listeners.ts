import { EventCancelledEvent, EventCreatedEvent, EventUpdatedEvent, Listener, ListenerMessage, Subjects } from '@ticketing/common';
import { cancelEventOrders } from '../../domain/event-cancellation';
import { applyEvent } from '../../domain/event-replica';
import { queueGroup } from './queue-group';

/** A new event joins the replica (domain/event-replica.ts: applyEvent). */
export class EventCreatedListener extends Listener<EventCreatedEvent> {
  readonly subject = Subjects.EventCreated;
  readonly queueGroupName = queueGroup;

  async onMessage(data: EventCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await applyEvent(data);
    msg.ack();
  }
}

/** An edited event (its time may have moved) reaches the replica. */
export class EventUpdatedListener extends Listener<EventUpdatedEvent> {
  readonly subject = Subjects.EventUpdated;
  readonly queueGroupName = queueGroup;

  async onMessage(data: EventUpdatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await applyEvent(data);
    msg.ack();
  }
}

/** A cancelled event: no new orders for its listings, and its unpaid orders are cancelled (domain/event-cancellation.ts). */
export class EventCancelledListener extends Listener<EventCancelledEvent> {
  readonly subject = Subjects.EventCancelled;
  readonly queueGroupName = queueGroup;

  async onMessage(data: EventCancelledEvent['data'], msg: ListenerMessage): Promise<void> {
    await cancelEventOrders(data);
    msg.ack();
  }
}
