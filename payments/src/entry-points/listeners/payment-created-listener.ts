import { EventBus, Listener, ListenerMessage, PaymentCreatedEvent, Subjects } from '@ticketing/common';
import Stripe from 'stripe';
import { addPayoutForPayment, DEFAULT_PAYOUT_SETTINGS, PayoutSettings } from '../../domain/payouts';
import { queueGroup } from './queue-group';

/**
 * payments' own payment:created: the order is paid, so its seller is owed a
 * payout (domain/payouts.ts). Listening to the published event, not hooking
 * the success, makes the payout as durable as the event: the outbox stores it
 * with the success and the bus redelivers until this handler has stored the payout.
 */
export class PaymentCreatedListener extends Listener<PaymentCreatedEvent> {
  readonly subject = Subjects.PaymentCreated;
  readonly queueGroupName = queueGroup;

  constructor(
    bus: EventBus,
    private readonly stripe: Stripe,
    private readonly settings: PayoutSettings = DEFAULT_PAYOUT_SETTINGS,
  ) {
    super(bus);
  }

  async onMessage(data: PaymentCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    // The event's time is when the success was recorded: the payment time of a payout without an event.
    await addPayoutForPayment(this.stripe, data, msg.time, this.settings);
    msg.ack();
  }
}
