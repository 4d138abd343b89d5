/**
 * The event catalog: for every subject, the shape of its data (a zod schema,
 * the one source of the TypeScript types in events.ts), the service that
 * publishes it and the services that consume it, each with its queue group.
 * The bus checks every incoming event against its schema before a listener
 * sees it (bus/listener.ts); the catalog test checks each service's
 * listeners against the subscribers listed here and the README's event table
 * against the whole catalog.
 */
import { z } from 'zod';
import { SplitRule } from '../marketplace/split';
import { EventCategory, EventStatus, OrderStatus, QueueGroups, Subjects } from './subjects';

export type ServiceName = 'auth' | 'tickets' | 'orders' | 'expiration' | 'payments' | 'events' | 'notifications';

export interface Subscriber {
  service: ServiceName;
  queueGroup: QueueGroups;
  /** What the subscriber does with it. */
  does: string;
}

export interface CatalogEntry<Data extends z.ZodTypeAny = z.ZodTypeAny> {
  description: string;
  publisher: ServiceName;
  subscribers: Subscriber[];
  data: Data;
}

const id = z.string().regex(/^[0-9a-f]{24}$/, 'must be a 24-digit hex ObjectId');
const version = z.number().int().min(0);
const price = z.number().positive();

const money = z.number().min(0);
const seats = z.number().int().min(1).max(20);

/**
 * A listing. Version 2's fields are optional additions: a version-1 message
 * (title and price) is one seat, split `any`, priced by the subscriber's own
 * fee settings.
 */
const ticketData = z.object({
  id,
  version,
  title: z.string().min(1),
  price,
  userId: z.string().min(1),
  eventId: id.optional(),
  quantity: seats.optional(),
  split: z.nativeEnum(SplitRule).optional(),
  /** The buyer's fee per seat, as the tickets service computed it when the listing was last written. */
  fee: money.optional(),
  section: z.string().max(20).optional(),
  row: z.string().max(20).optional(),
});

/** An event (a show, a match) as the events service publishes it: the event JSON of the contract. */
const eventData = z.object({
  id,
  version,
  name: z.string().min(1),
  performer: z.string().min(1).optional(),
  venue: z.string().min(1),
  city: z.string().min(1),
  startsAt: z.string().datetime({ offset: true }),
  category: z.nativeEnum(EventCategory),
  status: z.nativeEnum(EventStatus),
  organizerId: z.string().min(1),
});

const entries = {
  [Subjects.TicketCreated]: {
    description: 'A ticket was listed for sale',
    publisher: 'tickets',
    subscribers: [
      { service: 'orders', queueGroup: QueueGroups.Orders, does: 'adds it to its replica of tickets' },
      { service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'adds it to its replica of listings; alerts the watchers of its event whose maximum its all-in price meets' },
    ],
    data: ticketData,
  },
  [Subjects.TicketUpdated]: {
    description: 'A ticket changed: title or price edited, locked by an order, released, sold',
    publisher: 'tickets',
    subscribers: [
      { service: 'orders', queueGroup: QueueGroups.Orders, does: 'applies it to its replica, in version order' },
      { service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'applies it to its replica of listings (newest version kept); a repriced listing alerts watchers as a new one does' },
    ],
    data: ticketData.extend({
      orderId: id.optional(),
      /** The listing's event was cancelled: it is no longer offered (absent: not cancelled). */
      cancelled: z.boolean().optional(),
    }),
  },
  [Subjects.OrderCreated]: {
    description: 'A buyer started a purchase: the order locks its ticket until expiresAt',
    publisher: 'orders',
    subscribers: [
      { service: 'tickets', queueGroup: QueueGroups.Tickets, does: 'locks the ticket for the order' },
      { service: 'payments', queueGroup: QueueGroups.Payments, does: 'adds it to its replica of orders' },
      { service: 'expiration', queueGroup: QueueGroups.Expiration, does: 'schedules the expiration job' },
      { service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'adds it to its replica of orders: buyer, seller, seats, total, expiry' },
    ],
    data: z.object({
      id,
      version,
      status: z.nativeEnum(OrderStatus),
      userId: z.string().min(1),
      expiresAt: z.string().datetime({ offset: true }),
      /** The seller and the listing's event (if any): optional, absent from version-1 messages. */
      ticket: z.object({ id, price, userId: z.string().min(1).optional(), eventId: id.optional() }),
      /** Seats held by the order (version 1: one). */
      quantity: seats.optional(),
      /** The buyer's fee per seat and what the order charges, frozen at creation. */
      fee: money.optional(),
      total: money.optional(),
    }),
  },
  [Subjects.OrderCancelled]: {
    description: 'An order was cancelled (by its buyer or by expiration): its ticket is free again',
    publisher: 'orders',
    subscribers: [
      { service: 'tickets', queueGroup: QueueGroups.Tickets, does: 'releases the ticket if this order holds it' },
      { service: 'payments', queueGroup: QueueGroups.Payments, does: 'marks its replica cancelled; refunds a payment that raced it' },
      { service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'tells the buyer the order expired when it was cancelled at or after its expiry' },
    ],
    data: z.object({ id, version, ticket: z.object({ id }), quantity: seats.optional() }),
  },
  [Subjects.ExpirationComplete]: {
    description: "An order's lock window has passed",
    publisher: 'expiration',
    subscribers: [{ service: 'orders', queueGroup: QueueGroups.Orders, does: 'cancels the order unless it is paid' }],
    data: z.object({ orderId: id }),
  },
  [Subjects.PaymentCreated]: {
    description: 'An order was paid',
    publisher: 'payments',
    subscribers: [
      { service: 'orders', queueGroup: QueueGroups.Orders, does: 'completes the order' },
      { service: 'tickets', queueGroup: QueueGroups.Tickets, does: 'marks the ticket sold' },
      { service: 'payments', queueGroup: QueueGroups.Payments, does: "owes the seller a payout for the order, released after the event's start plus the hold" },
      { service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'tells the buyer the order is paid and the seller the seats sold' },
    ],
    data: z.object({ id, orderId: id, stripeId: z.string().min(1) }),
  },
  [Subjects.PaymentRefunded]: {
    description: "A paid order's money went back in full: its event was cancelled (the buyer guarantee)",
    publisher: 'payments',
    subscribers: [
      { service: 'orders', queueGroup: QueueGroups.Orders, does: 'moves the order from complete to refunded' },
      { service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'tells the buyer the order was refunded' },
      { service: 'tickets', queueGroup: QueueGroups.Tickets, does: "voids the order's passes" },
    ],
    /** The payment refunded, its order, Stripe's refund id and the amount refunded in integer cents. */
    data: z.object({ id, orderId: id, stripeRefundId: z.string().min(1), amount: z.number().int().min(0) }),
  },
  [Subjects.EventCreated]: {
    description: 'An organizer scheduled an event',
    publisher: 'events',
    subscribers: [
      { service: 'tickets', queueGroup: QueueGroups.Tickets, does: 'adds it to its replica of events, which listings are checked against' },
      { service: 'orders', queueGroup: QueueGroups.Orders, does: 'adds it to its replica of events (are its listings on sale)' },
      { service: 'payments', queueGroup: QueueGroups.Payments, does: 'adds it to its replica of events (when its payouts are released)' },
      { service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'adds it to its replica of events (which events can be watched)' },
    ],
    data: eventData,
  },
  [Subjects.EventUpdated]: {
    description: 'An organizer edited a scheduled event: name, performer, venue, city, time or category',
    publisher: 'events',
    subscribers: [
      { service: 'tickets', queueGroup: QueueGroups.Tickets, does: 'applies it to its replica of events (newest version kept)' },
      { service: 'orders', queueGroup: QueueGroups.Orders, does: 'applies it to its replica of events, newest version first' },
      { service: 'payments', queueGroup: QueueGroups.Payments, does: "applies it to its replica of events; a moved startsAt moves its pending payouts' releaseAt" },
      { service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'applies it to its replica of events (its name in messages)' },
    ],
    data: eventData,
  },
  [Subjects.EventCancelled]: {
    description: 'An event was cancelled by its organizer or an admin (once: for good)',
    publisher: 'events',
    subscribers: [
      { service: 'tickets', queueGroup: QueueGroups.Tickets, does: "marks the event's listings cancelled; publishes ticket:updated for each" },
      { service: 'orders', queueGroup: QueueGroups.Orders, does: 'marks it cancelled in its replica (no new orders) and cancels its unpaid orders' },
      { service: 'payments', queueGroup: QueueGroups.Payments, does: 'remembers it, refunds every paid order of it (and any payment succeeding later), cancels or reverses its payouts' },
      { service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'tells its buyers and sellers (from its replicas of orders and listings)' },
    ],
    data: eventData,
  },
  [Subjects.UserCreated]: {
    description: 'Someone signed up: their id and email, so that a service can name a user by email without calling auth',
    publisher: 'auth',
    subscribers: [
      { service: 'tickets', queueGroup: QueueGroups.Tickets, does: 'adds it to its replica of users (a pass is transferred to an email)' },
      { service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'keeps the address its emails go to' },
    ],
    data: z.object({ id, email: z.string().email() }),
  },
  [Subjects.PayoutPaid]: {
    description: "A seller's payout was transferred (Stripe Connect): once per payout",
    publisher: 'payments',
    subscribers: [{ service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'tells the seller they were paid' }],
    /** The payout, its seller, its order and the amount transferred in integer cents. */
    data: z.object({ id, sellerId: z.string().min(1), orderId: id, amount: z.number().int().min(0) }),
  },
  [Subjects.PassTransferred]: {
    description: "A pass's holder sent it to another user: the old code is void, the recipient holds a new pass for the seat",
    publisher: 'tickets',
    subscribers: [{ service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'tells the recipient a pass arrived (pass-received)' }],
    /** The recipient's new pass, the pass it replaces, who sent and who received it, the listing, the order and the event (if any). */
    data: z.object({ id, fromPassId: id, fromUserId: z.string().min(1), toUserId: z.string().min(1), ticketId: id, orderId: id, eventId: id.optional() }),
  },
  [Subjects.WaitlistOffered]: {
    description: 'Seats came back and were offered to a waiting buyer alone until offerExpiresAt (docs/waitlist.md)',
    publisher: 'orders',
    subscribers: [
      { service: 'tickets', queueGroup: QueueGroups.Tickets, does: 'holds the offered seats under the entry id, out of available' },
      { service: 'notifications', queueGroup: QueueGroups.Notifications, does: 'tells the buyer seats are held for them (waitlist-offer)' },
    ],
    /** The waiting-list entry, its buyer, the listing, the seats offered and when the offer ends. */
    data: z.object({ id, userId: z.string().min(1), ticketId: id, quantity: seats, offerExpiresAt: z.string().datetime({ offset: true }) }),
  },
  [Subjects.WaitlistOfferEnded]: {
    description: 'An offer ended: ordered by its buyer (done), its time passed (expired) or its buyer left (left)',
    publisher: 'orders',
    subscribers: [{ service: 'tickets', queueGroup: QueueGroups.Tickets, does: "releases the offer's held seats (an order holds them anew with order:created)" }],
    data: z.object({ id, ticketId: id, status: z.enum(['done', 'expired', 'left']) }),
  },
} satisfies Record<Subjects, CatalogEntry>;

export const eventCatalog: { readonly [S in Subjects]: CatalogEntry<(typeof entries)[S]['data']> } = entries as never;

/** The data of subject S, as its schema says. */
export type CatalogData<S extends Subjects> = z.infer<(typeof entries)[S]['data']>;

/** Why `data` is not a valid `subject` event (null: it is). */
export function eventDataProblems(subject: Subjects, data: unknown): string | null {
  const entry = eventCatalog[subject];
  if (!entry) return `unknown subject ${subject}`;
  const result = entry.data.safeParse(data);
  if (result.success) return null;
  return result.error.issues.map((i) => `${i.path.join('.') || '(data)'}: ${i.message}`).join('; ');
}
