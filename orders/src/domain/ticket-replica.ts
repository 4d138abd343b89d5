import { EventData, isDuplicateKey, NotYetError, Subjects } from '@ticketing/common';
import { listingFields, Ticket } from '../data/ticket';
import { serveWaitlist } from './waitlist-offers';

/** ticket:created — adds the listing to the replica, every seat available; a redelivery finds it there and changes nothing. */
export async function addTicket({ id, ...data }: EventData<Subjects.TicketCreated>): Promise<void> {
  const fields = listingFields(data);
  try {
    // Insert-if-absent: never overwrites a replica that later updates or reservations already moved on.
    await Ticket.updateOne({ _id: id }, { $setOnInsert: { ...fields, available: fields.quantity, holds: [], sales: [], offers: [] } }, { upsert: true });
  } catch (err) {
    // Two deliveries racing: the other one inserted it.
    if (!isDuplicateKey(err)) throw err;
  }
}

/**
 * ticket:updated — applies the listing's new version when the replica holds
 * the previous one; an event that arrives early is a "not yet": not acked,
 * delivered again after a short back-off. A change of `quantity` moves
 * `available` by the difference in the same version-conditioned write, so
 * seats held or sold here stay held or sold.
 *
 * The event's `orderId` is deliberately ignored: it is the tickets service's
 * view of our reservations and may lag behind them. Whether a new order may
 * take seats is decided by `available` here.
 */
export async function updateTicket({ id, ...data }: EventData<Subjects.TicketUpdated>): Promise<void> {
  const fields = listingFields(data);
  // Most updates leave the seats as they are (the tickets service's echo of a hold or a sale, a new price):
  // one write conditional on the previous version and the same quantity applies them, available unchanged.
  const sameSeats = await Ticket.updateOne({ _id: id, version: data.version - 1, quantity: fields.quantity }, { $set: fields });
  if (sameSeats.matchedCount === 1) return;
  const current = await Ticket.findById(id, { version: 1, quantity: 1 }).lean<{ version: number; quantity: number }>();
  if (current && current.version === data.version - 1) {
    // Conditional on the version read: quantity changes only with the version, so the difference is exact.
    const applied = await Ticket.updateOne(
      { _id: id, version: current.version },
      { $set: fields, $inc: { available: fields.quantity - current.quantity } },
    );
    if (applied.matchedCount === 1) {
      // Seats the seller added go to the waiting list first (docs/waitlist.md).
      if (fields.quantity > current.quantity) await serveWaitlist(id);
      return;
    }
  }
  const now = current && current.version === data.version - 1 ? await Ticket.findById(id, { version: 1 }).lean<{ version: number }>() : current;
  if (!now || now.version < data.version) {
    // Delivered again shortly, by when the versions before it are in.
    throw new NotYetError('ticket:updated ahead of the replica', { ticketId: id, version: data.version, holding: now?.version ?? null });
  }
  // Already applied (a redelivery): nothing to change.
}
