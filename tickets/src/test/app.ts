import { allInPrice, buyerFee, DEFAULT_FEES, EventCategory, EventData, EventStatus, OrderStatus, OutboxRelay, Subjects } from '@ticketing/common';
import { InMemoryBus, newId, signin, TEST_JWT_KEY } from '@ticketing/common/testing';
import request from 'supertest';
import { buildApp } from '../app';
import { Pass } from '../data/pass';
import { Ticket, TicketDoc } from '../data/ticket';
import { PassKeys } from '../domain/pass-codes';

/**
 * The service as tests drive it: the app (plain-http cookies, the test JWT
 * key), an in-memory bus, and an outbox relay that publishes to it when a
 * test calls `flush()` (it is never started: no timers).
 */
export function testService() {
  const bus = new InMemoryBus();
  const relay = new OutboxRelay(bus, [Ticket, Pass]);
  const passKeys = testPassKeys();
  const app = buildApp(
    { JWT_KEY: TEST_JWT_KEY, JWT_TTL_SECONDS: 3600, COOKIE_SECURE: false, fees: DEFAULT_FEES, passKeys, ADMIN_EMAILS: [ADMIN_EMAIL] },
    bus,
    relay.readiness,
  );
  /** Publishes what is staged, then returns the data published on a subject. */
  const published = async <S extends Subjects>(subject: S): Promise<EventData<S>[]> => {
    await relay.flush();
    return bus.publishedData(subject);
  };
  /**
   * A ticket created through the API and locked by an order through
   * order:created (the test file subscribes the OrderCreatedListener).
   */
  const reservedTicket = async () => {
    const created = await createTicket(app, { title: 'Concert', price: 20 });
    const order = orderCreatedData(created.ticket);
    if (!(await bus.deliver(Subjects.OrderCreated, order))) throw new Error('order:created was not acked');
    await relay.flush();
    bus.clear();
    return { ...created, orderId: order.id };
  };
  return { app, bus, relay, published, reservedTicket, passKeys };
}

/** The admin of the tests' app (ADMIN_EMAILS). */
export const ADMIN_EMAIL = 'gatekeeper@example.com';

/** The pass keys of the tests' app: the current key signs, the retired one still verifies. */
export const testPassKeys = () => new PassKeys({ JWT_KEY: TEST_JWT_KEY, PASS_KEYS: 'p2:current-pass-secret,p1:retired-pass-secret' });

/** Creates a ticket through the API; returns its JSON and its owner's cookie. */
export async function createTicket(
  app: Parameters<typeof request>[0],
  attrs: { title?: string; price?: number | string; userId?: string } = {},
) {
  const userId = attrs.userId ?? newId();
  const cookie = signin({ id: userId });
  const res = await request(app)
    .post('/api/tickets')
    .set('Cookie', cookie)
    .send({ title: attrs.title ?? 'Concert', price: attrs.price ?? 20 })
    .expect(201);
  return { ticket: res.body as { id: string; title: string; price: number; userId: string; version: number }, cookie, userId };
}

/** A price with the fee and all-in price the server computes for it at the default fees: what a stored listing carries. */
export function priced(price: number) {
  const fee = buyerFee(price, DEFAULT_FEES);
  return { price, fee, allInPrice: allInPrice(price, fee) };
}

/** The contract's listing fields version 2 adds, for a one-seat listing at the default fees. */
export const oneSeat = (price: number, available = 1) => ({ quantity: 1, available, split: 'any', fee: priced(price).fee, allInPrice: priced(price).allInPrice });

/**
 * Stores a listing straight in the database (no event staged), priced at
 * the default fees. Version 1's lock is given as `orderId` (the order
 * holding the one seat) and `soldAt` (that order paid).
 */
export async function buildTicket(
  attrs: Partial<{ title: string; price: number; userId: string; orderId: string; soldAt: Date; quantity: number; eventId: string; cancelled: boolean }> = {},
): Promise<TicketDoc> {
  const { orderId, soldAt, ...rest } = attrs;
  const ticket = new Ticket({ title: 'Concert', userId: newId(), ...rest, ...priced(rest.price ?? 20) });
  if (orderId) (soldAt ? ticket.sales : ticket.holds).push({ orderId, quantity: 1 });
  await ticket.save();
  return ticket;
}

/** The stored ticket without its outbox and timestamps: "the state" for idempotency checks. */
export async function ticketState(id: string) {
  const doc = await Ticket.findById(id).lean();
  if (!doc) return null;
  const { outbox: _outbox, updatedAt: _updatedAt, ...state } = doc as Record<string, unknown>;
  return state;
}

/** order:created data for a ticket, as the orders service publishes it. */
export const orderCreatedData = (
  ticket: { id: string; price: number },
  orderId: string = newId(),
): EventData<Subjects.OrderCreated> => ({
  id: orderId,
  version: 0,
  status: OrderStatus.Created,
  userId: newId(),
  expiresAt: new Date(Date.now() + 15 * 60 * 1000).toISOString(),
  ticket: { id: ticket.id, price: ticket.price },
});

/** event:created / event:updated / event:cancelled data, as the events service publishes it: on sale by default. */
export const eventData = (
  overrides: Partial<EventData<Subjects.EventCreated>> = {},
): EventData<Subjects.EventCreated> => ({
  id: newId(),
  version: 0,
  name: 'Summer Tour',
  venue: 'Arena',
  city: 'Springfield',
  startsAt: new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString(),
  category: EventCategory.Concert,
  status: EventStatus.Scheduled,
  organizerId: newId(),
  ...overrides,
});

/**
 * A paid order of `quantity` seats of a listing (section A, row 12) for an
 * event, through the service's own listeners: event:created, the listing
 * via the API, order:created naming the buyer, payment:created. The test
 * file subscribes EventCreatedListener, OrderCreatedListener and
 * PaymentCreatedListener. Returns who is who, with their cookies.
 */
export async function paidOrder(
  { app, bus }: { app: Parameters<typeof request>[0]; bus: InMemoryBus },
  { quantity = 2, withEvent = true }: { quantity?: number; withEvent?: boolean } = {},
) {
  const organizerId = newId();
  const event = eventData({ organizerId });
  if (withEvent && !(await bus.deliver(Subjects.EventCreated, event))) throw new Error('event:created was not acked');
  const sellerId = newId();
  const sellerCookie = signin({ id: sellerId, email: 'seller@example.com' });
  const listing = await request(app)
    .post('/api/tickets')
    .set('Cookie', sellerCookie)
    .send({ title: 'Summer Tour', price: 25, quantity: Math.max(quantity, 4), section: 'A', row: '12', ...(withEvent ? { eventId: event.id } : {}) })
    .expect(201);
  const buyerId = newId();
  const order = { ...orderCreatedData(listing.body as { id: string; price: number }), userId: buyerId, quantity };
  if (!(await bus.deliver(Subjects.OrderCreated, order))) throw new Error('order:created was not acked');
  if (!(await bus.deliver(Subjects.PaymentCreated, { id: newId(), orderId: order.id, stripeId: 'pi_test' }))) throw new Error('payment:created was not acked');
  return {
    orderId: order.id,
    ticketId: (listing.body as { id: string }).id,
    eventId: withEvent ? event.id : undefined,
    event,
    buyerId,
    buyerCookie: signin({ id: buyerId, email: 'buyer@example.com' }),
    organizerId,
    organizerCookie: signin({ id: organizerId, email: 'organizer@example.com' }),
    sellerId,
    sellerCookie,
  };
}
