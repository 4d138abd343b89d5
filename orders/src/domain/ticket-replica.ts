import { EventData, isDuplicateKey, NotYetError, Subjects } from '@ticketing/common';
import { Ticket } from '../data/ticket';

/** ticket:created — adds the ticket to the replica; a redelivery finds it there and changes nothing. */
export async function addTicket({ id, title, price, userId, version }: EventData<Subjects.TicketCreated>): Promise<void> {
  try {
    // Insert-if-absent: never overwrites a replica that later updates already moved on.
    await Ticket.updateOne(
      { _id: id },
      { $setOnInsert: { title, price, userId, version, reservedBy: null, reservedAt: null, sold: false } },
      { upsert: true },
    );
  } catch (err) {
    // Two deliveries racing: the other one inserted it.
    if (!isDuplicateKey(err)) throw err;
  }
}

/**
 * ticket:updated — applies the ticket's new title/price/version when the
 * replica holds the previous version; an event that arrives early is a
 * "not yet": not acked, delivered again after a short back-off.
 *
 * The event's `orderId` is deliberately ignored: it is the tickets service's
 * view of our reservation and may lag behind it (e.g. it still says reserved
 * after we released the ticket, or not yet reserved after we reserved it).
 * Whether a new order may take the ticket is decided by `reservedBy` here.
 */
export async function updateTicket({ id, title, price, userId, version }: EventData<Subjects.TicketUpdated>): Promise<void> {
  const applied = await Ticket.findOneAndUpdate({ _id: id, version: version - 1 }, { $set: { title, price, userId, version } }, { new: true });
  if (applied) return;
  const current = await Ticket.findById(id, { version: 1 }).lean();
  if (!current || current.version < version) {
    // Delivered again shortly, by when the versions before it are in.
    throw new NotYetError('ticket:updated ahead of the replica', { ticketId: id, version, holding: current?.version ?? null });
  }
  // Already applied (a redelivery): nothing to change.
}
