import { allInPrice, applyEventToReplica, buyerFee, EventData, FeeSettings, isDuplicateKey, OrderStatus, Subjects } from '@ticketing/common';
import { EventReplica } from '../data/event';
import { Listing, ListingDoc } from '../data/listing';
import { Order, OrderDoc } from '../data/order';
import { User } from '../data/user';

/** user:created — keeps the address; a redelivery finds it stored. */
export async function addUser(data: EventData<Subjects.UserCreated>): Promise<void> {
  await User.updateOne({ _id: data.id }, { $set: { email: data.email } }, { upsert: true });
}

/** event:created/updated/cancelled — the newest version wins (common's event replica). */
export const applyEvent = (data: EventData<Subjects.EventCreated | Subjects.EventUpdated | Subjects.EventCancelled>) =>
  applyEventToReplica(EventReplica, data);

/** order:created — who buys what from whom; a redelivery finds it stored. */
export async function addOrder(data: EventData<Subjects.OrderCreated>): Promise<void> {
  try {
    await Order.create({
      _id: data.id,
      buyerId: data.userId,
      ...(data.ticket.userId ? { sellerId: data.ticket.userId } : {}),
      ticketId: data.ticket.id,
      ...(data.ticket.eventId ? { eventId: data.ticket.eventId } : {}),
      quantity: data.quantity ?? 1,
      total: data.total ?? data.ticket.price,
      expiresAt: new Date(data.expiresAt),
      status: data.status,
    });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
}

/**
 * Moves an order's replica to `status` when it is in one of `from` (so it is
 * not moved back from a later state); resolves with the order as it stood
 * before, or as it stands when it did not move; null when the replica has no
 * such order.
 */
export async function moveOrder(orderId: string, status: OrderStatus, from: OrderStatus[]): Promise<OrderDoc | null> {
  // One round trip when it moves, the usual case; a read too only when it was elsewhere (a redelivery) or is unknown.
  for (;;) {
    const before = await Order.findOneAndUpdate({ _id: orderId, status: { $in: from } }, { $set: { status } }, { new: false }).lean<OrderDoc>();
    if (before) return before;
    const now = await findOrder(orderId);
    // Stored by its order:created between the two: moved on the next pass.
    if (!now || !from.includes(now.status)) return now;
  }
}

export const findOrder = (orderId: string) => Order.findById(orderId).lean<OrderDoc>();

/**
 * ticket:created/updated — stores the listing when newer than what is kept.
 * Returns the listing as it now stands when this message changed it (null: an older or repeated message).
 */
export async function applyListing(data: EventData<Subjects.TicketCreated | Subjects.TicketUpdated>, fees: FeeSettings): Promise<ListingDoc | null> {
  const fields = {
    title: data.title,
    userId: data.userId,
    ...(data.eventId ? { eventId: data.eventId } : {}),
    price: data.price,
    // Version-1 messages carry no fee: the buyer's fee by this service's settings.
    fee: data.fee ?? buyerFee(data.price, fees),
    quantity: data.quantity ?? 1,
    cancelled: 'cancelled' in data ? data.cancelled === true : false,
    version: data.version,
  };
  for (let round = 0; round < 2; round += 1) {
    const newer = await Listing.findOneAndUpdate({ _id: data.id, version: { $lt: data.version } }, { $set: fields }, { new: true }).lean<ListingDoc>();
    if (newer) return newer;
    try {
      return (await Listing.create({ _id: data.id, ...fields })).toObject() as ListingDoc;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const stored = await Listing.findById(data.id, { version: 1 }).lean<{ version: number }>();
      if (stored && stored.version >= data.version) return null;
    }
  }
  return null;
}

/** A listing's all-in price per seat, dollars. */
export const listingAllInPrice = (listing: Pick<ListingDoc, 'price' | 'fee'>) => allInPrice(listing.price, listing.fee);

/** Seats of a listing neither held nor sold, as far as this service's replica of orders knows. */
export async function availableSeats(listing: Pick<ListingDoc, '_id' | 'quantity'>): Promise<number> {
  const taken = await Order.find({ ticketId: String(listing._id), status: { $in: [OrderStatus.Created, OrderStatus.Complete] } }, { quantity: 1 }).lean<
    Array<{ quantity: number }>
  >();
  return listing.quantity - taken.reduce((sum, o) => sum + o.quantity, 0);
}
