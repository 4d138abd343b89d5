import { Listener, ListenerMessage, PaymentRefundedEvent, Subjects, UserCreatedEvent } from '@ticketing/common';
import { recordUser, voidPassesOfOrder } from '../../domain/passes';
import { queueGroup } from './queue-group';

/** The order's money went back: its passes are void (domain/passes.ts: voidPassesOfOrder). */
export class PaymentRefundedListener extends Listener<PaymentRefundedEvent> {
  readonly subject = Subjects.PaymentRefunded;
  readonly queueGroupName = queueGroup;

  async onMessage(data: PaymentRefundedEvent['data'], msg: ListenerMessage): Promise<void> {
    await voidPassesOfOrder(data.orderId);
    msg.ack();
  }
}

/** Someone signed up: passes may now be sent to their email (domain/passes.ts: recordUser). */
export class UserCreatedListener extends Listener<UserCreatedEvent> {
  readonly subject = Subjects.UserCreated;
  readonly queueGroupName = queueGroup;

  async onMessage(data: UserCreatedEvent['data'], msg: ListenerMessage): Promise<void> {
    await recordUser(data.id, data.email);
    msg.ack();
  }
}
