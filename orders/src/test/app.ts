import { DEFAULT_FEES, EventBus, feeConfig, OutboxRelay, rateLimitConfig, RateLimits } from '@ticketing/common';
import { InMemoryBus, newId, TEST_JWT_KEY, useTestRedis } from '@ticketing/common/testing';
import { buildApp, OrdersAppConfig } from '../app';
import { Order } from '../data/order';
import { WaitlistEntry } from '../data/waitlist';
import { Ticket, TicketAttrs, TicketDoc } from '../data/ticket';
import { HoldLimit, HoldLimitSettings } from '../domain/hold-limit';
import { placeOrder } from '../domain/orders';

export const TEST_WINDOW_SECONDS = 900;

/** The production defaults of the hold limit (config.ts with no env set). */
export const DEFAULT_HOLD_LIMIT: HoldLimitSettings = {
  MAX_ACTIVE_ORDERS_PER_USER: 3,
  LAPSED_HOLDS_BEFORE_WAIT: 5,
  LAPSED_HOLDS_WINDOW_SECONDS: 86400,
  LAPSED_HOLDS_WAIT_SECONDS: 3600,
};

/** The real Redis, under a namespace of this test file's own (rate limits and holds). */
export const testRedis = useTestRedis();
let apps = 0;

/** A hold limit on the real Redis: the production settings unless overridden, a fresh namespace unless given. */
export const testHolds = (settings: Partial<HoldLimitSettings> = {}, namespace = `${testRedis.namespace}:${++apps}`) =>
  new HoldLimit(testRedis.client, { ...DEFAULT_HOLD_LIMIT, ...settings }, `${namespace}:holds`);

/**
 * The app as tests drive it: plain-http cookies, the test JWT key, the
 * default 15-minute window, the production limits on real Redis (a fresh
 * namespace per app unless given). `holds`: the hold limit to share with
 * listeners or domain calls (default: the app's own, with `overrides`).
 */
export const testApp = (
  bus: EventBus,
  overrides: Partial<OrdersAppConfig> = {},
  namespace = `${testRedis.namespace}:${++apps}`,
  holds?: HoldLimit,
) => {
  const config = {
    JWT_KEY: TEST_JWT_KEY,
    JWT_TTL_SECONDS: 3600,
    COOKIE_SECURE: false,
    EXPIRATION_WINDOW_SECONDS: TEST_WINDOW_SECONDS,
    ...rateLimitConfig.parse({}),
    ...feeConfig.parse({}),
    ...DEFAULT_HOLD_LIMIT,
    ...overrides,
  };
  return buildApp(config, bus, {
    limits: new RateLimits(testRedis.client, namespace),
    holds: holds ?? testHolds(config, namespace),
  });
};

/** An in-memory bus and a relay over the orders outbox: `await relay.flush()` publishes what was staged. */
export function testBus(): { bus: InMemoryBus; relay: OutboxRelay } {
  const bus = new InMemoryBus();
  return { bus, relay: new OutboxRelay(bus, [Order, WaitlistEntry]) };
}

/** A ticket in the replica, as ticket:created would have put it there. */
export async function createTicket(attrs: Partial<TicketAttrs> = {}): Promise<TicketDoc> {
  const ticket = Ticket.build({ id: newId(), title: 'concert', price: 20, userId: newId(), version: 0, ...attrs });
  await ticket.save();
  return ticket;
}

/** An order placed the way POST /api/orders places it (ticket reserved, order:created staged). */
export async function createOrder(options: { ticket?: TicketDoc; userId?: string; quantity?: number; windowSeconds?: number; now?: Date } = {}) {
  const ticket = options.ticket ?? (await createTicket());
  const order = await placeOrder({
    ticketId: ticket.id,
    userId: options.userId ?? newId(),
    quantity: options.quantity,
    fees: DEFAULT_FEES,
    windowSeconds: options.windowSeconds ?? TEST_WINDOW_SECONDS,
    now: options.now,
  });
  return { order, ticket };
}

/**
 * The order holding or having bought the seats of a one-seat listing (null
 * when every seat is available): what version 1 kept as the ticket's
 * `reservedBy`, read from the seat counter.
 */
export async function holderOf(ticketId: string): Promise<string | null> {
  const ticket = await Ticket.findById(ticketId).lean();
  const holders = [...(ticket?.holds ?? []), ...(ticket?.sales ?? [])].map((h) => String(h.orderId));
  if (holders.length > 1) throw new Error(`several orders hold seats of ${ticketId}: ${holders.join(', ')}`);
  return holders[0] ?? null;
}

/** Whether the order's seats of the listing are sold (final). */
export async function soldTo(ticketId: string, orderId: string): Promise<boolean> {
  const ticket = await Ticket.findById(ticketId).lean();
  return (ticket?.sales ?? []).some((h) => String(h.orderId) === orderId);
}
