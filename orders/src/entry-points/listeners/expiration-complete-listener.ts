import { EventBus, ExpirationCompleteEvent, Listener, ListenerMessage, logger, Subjects } from '@ticketing/common';
import { queueGroup } from './queue-group';
import { isValidObjectId } from 'mongoose';
import { HoldLimit } from '../../domain/hold-limit';
import { expireOrder } from '../../domain/orders';

/**
 * The order's lock ran out: cancel it (publishing order:cancelled once) and
 * free its ticket. A complete or already cancelled order is left as it is.
 */
export class ExpirationCompleteListener extends Listener<ExpirationCompleteEvent> {
  readonly subject = Subjects.ExpirationComplete;
  readonly queueGroupName = queueGroup;

  constructor(
    bus: EventBus,
    private readonly holds: HoldLimit,
  ) {
    super(bus);
  }

  async onMessage(data: ExpirationCompleteEvent['data'], msg: ListenerMessage): Promise<void> {
    if (!isValidObjectId(data.orderId)) {
      logger.error({ orderId: data.orderId }, 'expiration:complete for a malformed order id; dropped');
      msg.ack();
      return;
    }
    const outcome = await expireOrder(data.orderId, this.holds);
    if (outcome === 'not-found') logger.warn({ orderId: data.orderId }, 'expiration:complete for an unknown order');
    msg.ack();
  }
}
