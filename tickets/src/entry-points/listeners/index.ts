import { Event, EventBus, Handlers, listenAll, Listener, listenersFrom, Subjects } from '@ticketing/common';
import { PassKeys } from '../../domain/pass-codes';
import { issuePasses, recordUser, voidPassesOfEvent, voidPassesOfOrder } from '../../domain/passes';
import { cancelListingsOfEvent, recordEvent, releaseTicket, reserveTicket, sellTicket } from '../../domain/tickets';
import { queueGroup } from './queue-group';

/**
 * What each subject does here, one row per subject (checked against the
 * event catalog by catalog.test.ts); `passKeys` sign the passes a payment issues.
 */
export const handlersOf = (passKeys: PassKeys): Handlers => ({
  // The new order holds its seats of the listing, and its buyer is recorded for its passes; version 1's orders hold one seat.
  [Subjects.OrderCreated]: async (data) => {
    await reserveTicket(data.ticket.id, data.id, data.quantity ?? 1, data.userId);
  },
  // The cancelled order lets go of its seats.
  [Subjects.OrderCancelled]: async (data) => {
    await releaseTicket(data.ticket.id, data.id);
  },
  // The paid order's seats are sold, then its buyer gets a pass per seat.
  [Subjects.PaymentCreated]: async (data) => {
    const sold = await sellTicket(data.orderId, data.id);
    if (sold) await issuePasses(sold, passKeys);
  },
  // The order's money went back: its passes are void.
  [Subjects.PaymentRefunded]: async (data) => {
    await voidPassesOfOrder(data.orderId);
  },
  // The events listings may be for: a new one, or its new name, time or place.
  [Subjects.EventCreated]: async (data) => {
    await recordEvent(data);
  },
  [Subjects.EventUpdated]: async (data) => {
    await recordEvent(data);
  },
  // The event is off: its listings stop being offered and its passes are void.
  [Subjects.EventCancelled]: async (data) => {
    await recordEvent(data);
    await cancelListingsOfEvent(data.id);
    await voidPassesOfEvent(data.id);
  },
  // Someone signed up: passes may now be sent to their email.
  [Subjects.UserCreated]: async (data) => {
    await recordUser(data.id, data.email);
  },
  // Seats offered to a waiting buyer are held under the entry's id exactly as an order's are (docs/waitlist.md), so redeliveries and an end that arrives first are handled alike.
  [Subjects.WaitlistOffered]: async (data) => {
    await reserveTicket(data.ticketId, data.id, data.quantity);
  },
  // The offer ended (ordered, expired or left): its held seats are released once (an order holds them anew with order:created).
  [Subjects.WaitlistOfferEnded]: async (data) => {
    await releaseTicket(data.ticketId, data.id);
  },
});

/** Every listener of the tickets service. */
export const listenersOf = (bus: EventBus, passKeys: PassKeys): Listener<Event>[] => listenersFrom(bus, queueGroup, handlersOf(passKeys));

export async function startListeners(bus: EventBus, passKeys: PassKeys): Promise<void> {
  await listenAll(listenersOf(bus, passKeys));
}
