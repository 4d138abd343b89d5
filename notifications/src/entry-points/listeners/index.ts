import { Event, EventBus, FeeSettings, Handlers, listenAll, Listener, listenersFrom, Subjects } from '@ticketing/common';
import { eventCancelled, listingChanged, orderCancelled, orderPaid, orderRefunded, passReceived, payoutPaid, waitlistOffer } from '../../domain/facts';
import { Notify } from '../../domain/notify';
import { addOrder, addUser, applyEvent } from '../../domain/replicas';
import { queueGroup } from './queue-group';

/**
 * What each subject does here, one row per subject (checked against the
 * event catalog by catalog.test.ts). A new kind's subject is a new row.
 */
export function handlersOf(fees: FeeSettings, notify: Notify): Handlers {
  return {
    [Subjects.UserCreated]: (data) => addUser(data),
    [Subjects.EventCreated]: (data) => applyEvent(data),
    [Subjects.EventUpdated]: (data) => applyEvent(data),
    [Subjects.EventCancelled]: async (data) => {
      await applyEvent(data);
      await eventCancelled(notify, data);
    },
    [Subjects.TicketCreated]: (data) => listingChanged(notify, data, fees),
    [Subjects.TicketUpdated]: (data) => listingChanged(notify, data, fees),
    [Subjects.OrderCreated]: (data) => addOrder(data),
    [Subjects.OrderCancelled]: (data, msg) => orderCancelled(notify, data, msg.time, msg.deliveryCount),
    [Subjects.PaymentCreated]: (data, msg) => orderPaid(notify, data, msg.deliveryCount),
    [Subjects.PaymentRefunded]: (data, msg) => orderRefunded(notify, data, msg.deliveryCount),
    [Subjects.PayoutPaid]: (data) => payoutPaid(notify, data),
    [Subjects.PassTransferred]: (data) => passReceived(notify, data),
    [Subjects.WaitlistOffered]: (data) => waitlistOffer(notify, data),
  };
}

/** Every listener of the notifications service. */
export const listenersOf = (bus: EventBus, fees: FeeSettings, notify: Notify): Listener<Event>[] => listenersFrom(bus, queueGroup, handlersOf(fees, notify));

export async function startListeners(bus: EventBus, fees: FeeSettings, notify: Notify): Promise<void> {
  await listenAll(listenersOf(bus, fees, notify));
}
