import { EventBus, Listener, ListenerMessage, PaymentCreatedEvent, Subjects } from '@ticketing/common';
import { PassKeys } from '../../domain/pass-codes';
import { issuePasses } from '../../domain/passes';
import { sellTicket } from '../../domain/tickets';
import { queueGroup } from './queue-group';

/** The paid order's seats are sold (domain/tickets.ts: sellTicket), then its buyer gets a pass per seat (domain/passes.ts: issuePasses). */
export class PaymentCreatedListener extends Listener<PaymentCreatedEvent> {
  readonly subject = Subjects.PaymentCreated;
  readonly queueGroupName = queueGroup;

  constructor(
    bus: EventBus,
    private readonly passKeys: PassKeys,
  ) {
    super(bus);
  }

  async onMessage(data: PaymentCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await sellTicket(data.orderId, data.id);
    await issuePasses(data.orderId, this.passKeys);
    msg.ack();
  }
}
