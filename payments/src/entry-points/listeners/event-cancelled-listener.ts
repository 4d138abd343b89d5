import { EventBus, EventCancelledEvent, Listener, ListenerMessage, Subjects } from '@ticketing/common';
import Stripe from 'stripe';
import { honourEventCancellation } from '../../domain/guarantee';
import { cancelPayoutsOfEvent } from '../../domain/payouts';
import { queueGroup } from './queue-group';

/**
 * An event was cancelled: the buyer guarantee refunds its paid orders
 * (domain/guarantee.ts) and its sellers' payouts are cancelled or reversed
 * (domain/payouts.ts); acked once both are recorded, redelivered otherwise.
 */
export class EventCancelledListener extends Listener<EventCancelledEvent> {
  readonly subject = Subjects.EventCancelled;
  readonly queueGroupName = queueGroup;

  constructor(
    bus: EventBus,
    private readonly stripe: Stripe,
  ) {
    super(bus);
  }

  async onMessage(data: EventCancelledEvent['data'], msg: ListenerMessage): Promise<void> {
    await honourEventCancellation(this.stripe, data.id);
    await cancelPayoutsOfEvent(this.stripe, data.id);
    msg.ack();
  }
}
