import { EventBus, EventUpdatedEvent, Listener, ListenerMessage, Subjects } from '@ticketing/common';
import { applyEvent, DEFAULT_PAYOUT_SETTINGS, PayoutSettings } from '../../domain/payouts';
import { queueGroup } from './queue-group';

/** An edited event: the replica keeps the newest version, and a moved startsAt moves its pending payouts' releaseAt (domain/payouts.ts). */
export class EventUpdatedListener extends Listener<EventUpdatedEvent> {
  readonly subject = Subjects.EventUpdated;
  readonly queueGroupName = queueGroup;

  constructor(
    bus: EventBus,
    private readonly settings: PayoutSettings = DEFAULT_PAYOUT_SETTINGS,
  ) {
    super(bus);
  }

  async onMessage(data: EventUpdatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await applyEvent(data, this.settings);
    msg.ack();
  }
}
