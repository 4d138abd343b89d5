import { Event, EventBus, EventData, FeeSettings, Listener, ListenerMessage, Subjects } from '@ticketing/common';
import { eventCancelled, listingChanged, orderCancelled, orderPaid, orderRefunded, passReceived, payoutPaid, waitlistOffer } from '../../domain/facts';
import { addOrder, addUser, applyEvent } from '../../domain/replicas';
import { queueGroup } from './queue-group';

type Handler<S extends Subjects> = (data: EventData<S>, msg: ListenerMessage) => Promise<void>;

/**
 * One durable subscription: hands the data to its domain handler and acks
 * once the handler's writes are stored (a throw or a "not yet" redelivers).
 */
export class FactListener extends Listener<Event> {
  readonly queueGroupName = queueGroup;

  constructor(
    bus: EventBus,
    readonly subject: Subjects,
    private readonly handler: (data: Event['data'], msg: ListenerMessage) => Promise<void>,
  ) {
    super(bus);
  }

  async onMessage(data: Event['data'], msg: ListenerMessage): Promise<void> {
    await this.handler(data, msg);
    msg.ack();
  }
}

/**
 * What each subject does here, one row per subject (checked against the
 * event catalog by catalog.test.ts). A new kind's subject is a new row.
 */
export function handlersOf(fees: FeeSettings): { [S in Subjects]?: Handler<S> } {
  return {
    [Subjects.UserCreated]: (data) => addUser(data),
    [Subjects.EventCreated]: (data) => applyEvent(data),
    [Subjects.EventUpdated]: (data) => applyEvent(data),
    [Subjects.EventCancelled]: async (data) => {
      await applyEvent(data);
      await eventCancelled(data);
    },
    [Subjects.TicketCreated]: (data) => listingChanged(data, fees),
    [Subjects.TicketUpdated]: (data) => listingChanged(data, fees),
    [Subjects.OrderCreated]: (data) => addOrder(data),
    [Subjects.OrderCancelled]: (data, msg) => orderCancelled(data, msg.time, msg.deliveryCount),
    [Subjects.PaymentCreated]: (data, msg) => orderPaid(data, msg.deliveryCount),
    [Subjects.PaymentRefunded]: (data, msg) => orderRefunded(data, msg.deliveryCount),
    [Subjects.PayoutPaid]: (data) => payoutPaid(data),
    [Subjects.PassTransferred]: (data) => passReceived(data),
    [Subjects.WaitlistOffered]: (data) => waitlistOffer(data),
  };
}

/** Every listener of the notifications service. */
export const listenersOf = (bus: EventBus, fees: FeeSettings): Listener<Event>[] =>
  Object.entries(handlersOf(fees)).map(
    ([subject, handler]) => new FactListener(bus, subject as Subjects, handler as (data: Event['data'], msg: ListenerMessage) => Promise<void>),
  );

export async function startListeners(bus: EventBus, fees: FeeSettings): Promise<void> {
  for (const listener of listenersOf(bus, fees)) await listener.listen();
}
