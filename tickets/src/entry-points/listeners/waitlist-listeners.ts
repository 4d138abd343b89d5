import { Listener, ListenerMessage, Subjects, WaitlistOfferedEvent, WaitlistOfferEndedEvent } from '@ticketing/common';
import { releaseTicket, reserveTicket } from '../../domain/tickets';
import { queueGroup } from './queue-group';

/**
 * Seats offered to a waiting buyer are not available (docs/waitlist.md): they
 * are held under the entry's id, exactly as an order's seats are under the
 * order's (domain/tickets.ts: reserveTicket), so redeliveries and an end
 * that arrives first are handled the same way.
 */
export class WaitlistOfferedListener extends Listener<WaitlistOfferedEvent> {
  readonly subject = Subjects.WaitlistOffered;
  readonly queueGroupName = queueGroup;

  async onMessage(data: WaitlistOfferedEvent['data'], msg: ListenerMessage): Promise<void> {
    await reserveTicket(data.ticketId, data.id, data.quantity);
    msg.ack();
  }
}

/** The offer ended (ordered, expired or left): its held seats are released once (an order holds them anew with order:created). */
export class WaitlistOfferEndedListener extends Listener<WaitlistOfferEndedEvent> {
  readonly subject = Subjects.WaitlistOfferEnded;
  readonly queueGroupName = queueGroup;

  async onMessage(data: WaitlistOfferEndedEvent['data'], msg: ListenerMessage): Promise<void> {
    await releaseTicket(data.ticketId, data.id);
    msg.ack();
  }
}
