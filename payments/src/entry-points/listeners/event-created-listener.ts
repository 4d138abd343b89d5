import { EventBus, EventCreatedEvent, Listener, ListenerMessage, Subjects } from '@ticketing/common';
import { applyEvent, DEFAULT_PAYOUT_SETTINGS, PayoutSettings } from '../../domain/payouts';
import { queueGroup } from './queue-group';

/** A new event joins payments' replica of events: its startsAt says when its payouts are released (domain/payouts.ts). */
export class EventCreatedListener extends Listener<EventCreatedEvent> {
  readonly subject = Subjects.EventCreated;
  readonly queueGroupName = queueGroup;

  constructor(
    bus: EventBus,
    private readonly settings: PayoutSettings = DEFAULT_PAYOUT_SETTINGS,
  ) {
    super(bus);
  }

  async onMessage(data: EventCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await applyEvent(data, this.settings);
    msg.ack();
  }
}
