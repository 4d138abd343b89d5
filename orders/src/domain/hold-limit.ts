import { randomUUID } from 'node:crypto';
import Redis from 'ioredis';
import { audit, BadRequestError, logger, TooManyRequestsError } from '@ticketing/common';

/** OWASP OAT-021 "Denial of Inventory": how many unpaid holds one user may have, and what lapsing costs. */
export interface HoldLimitSettings {
  /**
   * Unpaid (created) orders one user may hold at once, whatever their
   * quantity: counting seats would refuse a group buying four seats in one
   * order, while the seats one user can hold stay bounded by this times the
   * 20 seats an order may take.
   */
  MAX_ACTIVE_ORDERS_PER_USER: number;
  /** Holds lapsed unpaid within LAPSED_HOLDS_WINDOW_SECONDS before the user must wait. */
  LAPSED_HOLDS_BEFORE_WAIT: number;
  LAPSED_HOLDS_WINDOW_SECONDS: number;
  /** The wait after the latest lapse, while that many lapsed. */
  LAPSED_HOLDS_WAIT_SECONDS: number;
}

export const TOO_MANY_UNPAID = 'You have too many unpaid orders';
export const TOO_MANY_LAPSED = 'You have let too many orders expire unpaid';

/**
 * Admission, as one Lua script (atomic in Redis, so across replicas and
 * concurrent requests): drop holds past their expiry and lapses out of the
 * window; refuse while the user must wait after lapses (-1, ms left); refuse
 * at the maximum (0); else add the new hold (1).
 *
 * KEYS: holds zset (member → expiresAt ms), lapses zset (member → lapse ms).
 * ARGV: now ms, max, slot, slot expiresAt ms, lapse window ms, lapses before wait, wait ms.
 */
const ADMIT = `
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[5]))
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[6]) then
  local latest = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  local opens = tonumber(latest[2]) + tonumber(ARGV[7])
  if opens > now then return {-1, opens - now} end
end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return {0, 0} end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[3])
local latestExpiry = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
redis.call('PEXPIREAT', KEYS[1], tonumber(latestExpiry[2]))
return {1, 0}
`;

/** What the end of a hold needs to know about its order. */
export interface EndedHold {
  /** mongoose's string id (optional in its typings, always set on a stored order). */
  id?: string;
  userId: string;
  expiresAt: Date;
  createdAt?: Date;
}

export function isLapse(order: EndedHold, now: Date): boolean {
  const end = order.expiresAt.getTime();
  if (now.getTime() >= end) return true;
  const start = order.createdAt?.getTime();
  return start !== undefined && now.getTime() - start >= (end - start) / 2;
}

/** A place among the user's holds, taken before the ticket is reserved. */
export interface HoldSlot {
  userId: string;
  id: string;
}

/**
 * At most N unpaid orders per user, and a wait for users whose holds keep
 * lapsing, decided in Redis (see ADMIT): of many concurrent orders from one
 * user at most N are admitted, whichever process answers them. The count is
 * self-healing: a hold counts only until its expiresAt, so a release lost
 * in a crash frees its place when the lock would have ended anyway.
 *
 * The database does not decide this: counting the user's orders and then
 * inserting is a read-decide-write across records, which one Redis script
 * does atomically.
 *
 * If Redis is unreachable the order is admitted (and logged): selling
 * tickets matters more than the limit for the length of an outage.
 */
export class HoldLimit {
  constructor(
    private readonly redis: Redis,
    private readonly settings: HoldLimitSettings,
    private readonly namespace = 'holds',
  ) {}

  private keys(userId: string): [string, string] {
    return [`${this.namespace}:active:${userId}`, `${this.namespace}:lapsed:${userId}`];
  }

  /**
   * Takes a place for a new hold expiring at `expiresAt`, or throws:
   * 400 `You have too many unpaid orders`, or 429 (Retry-After) while the user waits after lapses.
   */
  async admit(userId: string, expiresAt: Date, now = new Date()): Promise<HoldSlot> {
    const slot = { userId, id: `pending-${randomUUID()}` };
    const s = this.settings;
    let verdict: [number, number];
    try {
      verdict = (await this.redis.eval(
        ADMIT,
        2,
        ...this.keys(userId),
        now.getTime(),
        s.MAX_ACTIVE_ORDERS_PER_USER,
        slot.id,
        expiresAt.getTime(),
        s.LAPSED_HOLDS_WINDOW_SECONDS * 1000,
        s.LAPSED_HOLDS_BEFORE_WAIT,
        s.LAPSED_HOLDS_WAIT_SECONDS * 1000,
      )) as [number, number];
    } catch (err) {
      logger.warn({ err: (err as Error).message, userId }, 'hold limit unavailable (redis); order admitted unchecked');
      return slot;
    }
    const [admitted, msLeft] = verdict;
    if (admitted === 1) return slot;
    if (admitted === 0) {
      audit('hold.refused', { userId, reason: 'too-many-unpaid', max: s.MAX_ACTIVE_ORDERS_PER_USER });
      throw new BadRequestError(TOO_MANY_UNPAID);
    }
    const retryAfter = Math.max(1, Math.ceil(msLeft / 1000));
    audit('hold.refused', { userId, reason: 'lapsed-holds', retryAfter });
    throw new TooManyRequestsError(retryAfter, TOO_MANY_LAPSED);
  }

  /** The order was written: its place is now named by the order id (so its end can free it). */
  async confirm(slot: HoldSlot, orderId: string, expiresAt: Date): Promise<void> {
    const [active] = this.keys(slot.userId);
    await this.redis
      .multi()
      .zrem(active, slot.id)
      .zadd(active, expiresAt.getTime(), orderId)
      .exec()
      .catch((err) => logger.warn({ err: err.message, orderId }, 'hold limit: could not name the hold; it lapses at expiresAt'));
  }

  /** No order came of it (ticket taken, unknown, ...): give the place back. */
  async abandon(slot: HoldSlot): Promise<void> {
    await this.redis.zrem(this.keys(slot.userId)[0], slot.id).catch(() => undefined);
  }

  /**
   * The order stopped holding its ticket (paid or cancelled). A cancel counts
   * as a lapse when the lock ran out, or when the user let go only after
   * holding it for half the window or more (else cancelling a second before
   * expiry would dodge the rule); once per order, so a redelivered
   * expiration changes nothing.
   */
  async ended(order: EndedHold, outcome: 'paid' | 'cancelled', now = new Date()): Promise<void> {
    const [active, lapsed] = this.keys(order.userId);
    const tx = this.redis.multi().zrem(active, String(order.id));
    if (outcome === 'cancelled' && isLapse(order, now)) {
      tx.zadd(lapsed, now.getTime(), String(order.id)).pexpire(lapsed, this.settings.LAPSED_HOLDS_WINDOW_SECONDS * 1000);
    }
    await tx.exec();
  }
}

/**
 * Places an order inside a place among the user's holds: admitted first
 * (atomically), then `place` reserves the ticket; if it fails, the place is
 * given back.
 */
export async function withinHoldLimit<O extends { id?: string; expiresAt: Date }>(
  limit: HoldLimit,
  userId: string,
  expiresAt: Date,
  place: () => Promise<O>,
): Promise<O> {
  const slot = await limit.admit(userId, expiresAt);
  let order: O;
  try {
    order = await place();
  } catch (err) {
    await limit.abandon(slot);
    throw err;
  }
  await limit.confirm(slot, String(order.id), order.expiresAt);
  return order;
}

/** Where an order leaves `created` (cancelOrder, completeOrder): never throws, since a lost release heals at expiresAt. */
export async function holdEnded(limit: HoldLimit, order: EndedHold, outcome: 'paid' | 'cancelled'): Promise<void> {
  await limit.ended(order, outcome).catch((err) => logger.warn({ err: err.message, orderId: order.id }, 'hold limit: release failed'));
}
