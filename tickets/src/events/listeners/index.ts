import { EventBus } from '@ticketing/common';
import { OrderCancelledListener } from './order-cancelled-listener';
import { OrderCreatedListener } from './order-created-listener';
import { PaymentCreatedListener } from './payment-created-listener';

/** Subscribes every listener of the tickets service. */
export async function startListeners(bus: EventBus): Promise<void> {
  await new OrderCreatedListener(bus).listen();
  await new OrderCancelledListener(bus).listen();
  await new PaymentCreatedListener(bus).listen();
}
