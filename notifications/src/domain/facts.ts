import { EventData, FeeSettings, NotYetError, OrderStatus, Subjects } from '@ticketing/common';
import { EventReplica } from '../data/event';
import { Listing, ListingDoc } from '../data/listing';
import { Order, OrderDoc } from '../data/order';
import { Watch } from '../data/watch';
import { NotificationKind } from './kinds';
import { Notify } from './notify';
import { applyListing, availableSeats, findOrder, listingAllInPrice, moveOrder } from './replicas';

/** Deliveries of a fact about an order this service never saw created after which it is dropped (it predates the service). */
export const UNKNOWN_ORDER_DELIVERIES = 30;

/**
 * The order a fact is about, as it stood before the fact's status was applied
 * to the replica; "not yet" while its order:created is on its way, null once
 * it never came.
 */
async function orderOf(orderId: string, deliveryCount: number, moved: { to: OrderStatus; from: OrderStatus[] }): Promise<OrderDoc | null> {
  const order = await moveOrder(orderId, moved.to, moved.from);
  if (order) return order;
  if (deliveryCount >= UNKNOWN_ORDER_DELIVERIES) return null;
  throw new NotYetError('a fact about an order not in the replica yet', { orderId });
}

const titleOf = async (ticketId: string) => (await Listing.findById(ticketId, { title: 1 }).lean<{ title: string }>())?.title;

/** payment:created — the buyer's order is paid (`order-paid`), the seller's seats sold (`ticket-sold`). */
export async function orderPaid(notify: Notify, data: EventData<Subjects.PaymentCreated>, deliveryCount: number): Promise<void> {
  const order = await orderOf(data.orderId, deliveryCount, { to: OrderStatus.Complete, from: [OrderStatus.Created, OrderStatus.Cancelled] });
  if (!order) return;
  const facts = { orderId: data.orderId, ticketId: order.ticketId, title: await titleOf(order.ticketId), quantity: order.quantity, amount: order.total };
  await notify(order.buyerId, NotificationKind.OrderPaid, data.orderId, facts);
  if (order.sellerId) await notify(order.sellerId, NotificationKind.TicketSold, data.orderId, { ...facts, amount: undefined });
}

/**
 * order:cancelled — the seats are released. It is `order-expired` for the buyer
 * only when the cancellation came at or after the order's expiry: orders
 * publishes it for expiry (the expiration job or its sweep), for the buyer's own
 * cancel and for a cancelled event alike, and only the time tells them apart.
 */
export async function orderCancelled(notify: Notify, data: EventData<Subjects.OrderCancelled>, cancelledAt: Date, deliveryCount: number): Promise<void> {
  const order = await orderOf(data.id, deliveryCount, { to: OrderStatus.Cancelled, from: [OrderStatus.Created] });
  if (!order) return;
  if (order.status === OrderStatus.Complete || order.status === OrderStatus.Refunded) return;
  if (cancelledAt.getTime() < new Date(order.expiresAt).getTime()) return;
  await notify(order.buyerId, NotificationKind.OrderExpired, data.id, {
    orderId: data.id,
    ticketId: order.ticketId,
    title: await titleOf(order.ticketId),
    quantity: order.quantity,
  });
}

/** payment:refunded — the buyer's money went back (`order-refunded`). */
export async function orderRefunded(notify: Notify, data: EventData<Subjects.PaymentRefunded>, deliveryCount: number): Promise<void> {
  const order = await orderOf(data.orderId, deliveryCount, { to: OrderStatus.Refunded, from: [OrderStatus.Created, OrderStatus.Complete] });
  if (!order) return;
  await notify(order.buyerId, NotificationKind.OrderRefunded, data.orderId, {
    orderId: data.orderId,
    ticketId: order.ticketId,
    title: await titleOf(order.ticketId),
    amount: data.amount / 100,
  });
}

/** event:cancelled — every buyer of a paid order and every seller of a listing of it hears it once (`event-cancelled`). */
export async function eventCancelled(notify: Notify, data: EventData<Subjects.EventCancelled>): Promise<void> {
  const [orders, listings] = await Promise.all([
    Order.find({ eventId: data.id, status: { $in: [OrderStatus.Complete, OrderStatus.Refunded] } }, { buyerId: 1 }).lean<Array<{ buyerId: string }>>(),
    Listing.find({ eventId: data.id }, { userId: 1 }).lean<Array<{ userId: string }>>(),
  ]);
  const people = new Set([...orders.map((o) => o.buyerId), ...listings.map((l) => l.userId)]);
  for (const userId of people) await notify(userId, NotificationKind.EventCancelled, data.id, { eventId: data.id, title: data.name });
}

/** payout:paid — the seller was paid (`payout-paid`). */
export async function payoutPaid(notify: Notify, data: EventData<Subjects.PayoutPaid>): Promise<void> {
  const order = await findOrder(data.orderId);
  await notify(data.sellerId, NotificationKind.PayoutPaid, data.id, {
    orderId: data.orderId,
    amount: data.amount / 100,
    ...(order ? { title: await titleOf(order.ticketId) } : {}),
  });
}

/** pass:transferred — the recipient holds a new pass for the seat (`pass-received`), once per pass. */
export async function passReceived(notify: Notify, data: EventData<Subjects.PassTransferred>): Promise<void> {
  await notify(data.toUserId, NotificationKind.PassReceived, data.id, {
    orderId: data.orderId,
    ticketId: data.ticketId,
    title: await titleOf(data.ticketId),
  });
}

/** waitlist:offered — seats are held for a waiting buyer until the offer ends (`waitlist-offer`), once per offer. */
export async function waitlistOffer(notify: Notify, data: EventData<Subjects.WaitlistOffered>): Promise<void> {
  await notify(data.userId, NotificationKind.WaitlistOffer, data.id, {
    ticketId: data.ticketId,
    title: await titleOf(data.ticketId),
    quantity: data.quantity,
    until: data.offerExpiresAt,
  });
}

/**
 * ticket:created/updated — stores the listing; one with seats available at an
 * all-in price within a watch's maximum alerts that watcher (`price-alert`),
 * once per watch and listing: the key is both, so a repricing, a redelivery
 * or two racing messages alert at most once.
 */
export async function listingChanged(notify: Notify, data: EventData<Subjects.TicketCreated | Subjects.TicketUpdated>, fees: FeeSettings): Promise<void> {
  const changed = await applyListing(data, fees);
  // A redelivery whose first delivery stored the listing but died before alerting: alert from what is stored.
  const listing = changed ?? (await Listing.findById(data.id).lean<ListingDoc>());
  if (!listing?.eventId || listing.cancelled || listing.version !== data.version) return;
  const price = listingAllInPrice(listing);
  const watches = await Watch.find({ eventId: listing.eventId, maxPrice: { $gte: price } });
  if (watches.length === 0 || (await availableSeats(listing)) <= 0) return;
  const event = await EventReplica.findById(listing.eventId, { name: 1 }).lean<{ name: string }>();
  for (const watch of watches) {
    if (watch.userId === listing.userId) continue; // a seller is not alerted to their own listing
    await notify(watch.userId, NotificationKind.PriceAlert, `${watch.id}:${String(listing._id)}`, {
      ticketId: String(listing._id),
      eventId: listing.eventId,
      title: event?.name ?? listing.title,
      amount: price,
    });
  }
}
