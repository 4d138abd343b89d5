import { createHash } from 'node:crypto';
import { RequestHandler } from 'express';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { TooManyRequestsError } from '../errors';

export interface LimitRule {
  /** How many in one window. */
  points: number;
  windowSeconds: number;
}

const retryAfter = (res: RateLimiterRes) => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/**
 * One named limit kept in Redis (shared by every replica), over
 * rate-limiter-flexible's atomic fixed-window counter. While Redis is down it
 * counts in this process instead (the insurance limiter), so a Redis outage
 * neither blocks everyone nor lifts the limit.
 */
export class Limit {
  readonly rule: LimitRule;
  private readonly store: RateLimiterRedis;

  constructor(redis: Redis, keyPrefix: string, rule: LimitRule) {
    this.rule = rule;
    const options = { keyPrefix, points: rule.points, duration: rule.windowSeconds };
    this.store = new RateLimiterRedis({
      ...options,
      storeClient: redis,
      insuranceLimiter: new RateLimiterMemory(options),
    });
  }

  /** Counts one attempt; over the limit throws TooManyRequestsError (429, Retry-After). */
  async consume(key: string): Promise<void> {
    try {
      await this.store.consume(key);
    } catch (err) {
      if (err instanceof RateLimiterRes) throw new TooManyRequestsError(retryAfter(err));
      throw err;
    }
  }

  /** Throws TooManyRequestsError if the key is already over the limit (or blocked), without counting. */
  async check(key: string): Promise<void> {
    const res = await this.store.get(key);
    if (res && res.consumedPoints > this.rule.points && res.msBeforeNext > 0) throw new TooManyRequestsError(retryAfter(res));
  }

  /** Counts one without ever throwing; resolves with the count in this window. */
  async penalty(key: string): Promise<number> {
    const res = await this.store.penalty(key);
    return res.consumedPoints;
  }

  /** Gives back one counted point (an attempt counted up front that turned out fine). */
  async reward(key: string): Promise<void> {
    await this.store.reward(key);
  }

  /** Over the limit for the next `seconds`, whatever the count. */
  async block(key: string, seconds: number): Promise<void> {
    await this.store.block(key, seconds);
  }

  /** Marks the key for `seconds` (a flag: `has` is true until then). */
  async mark(key: string, seconds: number): Promise<void> {
    await this.store.set(key, 1, seconds);
  }

  async has(key: string): Promise<boolean> {
    return (await this.store.get(key)) !== null;
  }

  async reset(key: string): Promise<void> {
    await this.store.delete(key);
  }
}

/**
 * A turnstile per key: `pass` lets exactly one caller through and closes for
 * `seconds` (Redis `SET NX PX`, atomic across replicas); callers meanwhile get
 * the time left. While Redis is down, a map in this process does the same.
 */
export class Gate {
  private readonly fallback = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix: string,
  ) {}

  /** 0 if this caller passed (the gate is now closed for `seconds`), else the milliseconds until it opens. */
  async pass(key: string, seconds: number): Promise<number> {
    const k = `${this.keyPrefix}:${key}`;
    const ms = Math.max(1, Math.round(seconds * 1000));
    try {
      const set = await this.redis.set(k, '1', 'PX', ms, 'NX');
      if (set === 'OK') return 0;
      return Math.max(1, await this.redis.pttl(k));
    } catch {
      const now = Date.now();
      const openAt = this.fallback.get(k) ?? 0;
      if (openAt > now) return openAt - now;
      this.fallback.set(k, now + ms);
      return 0;
    }
  }

  async open(key: string): Promise<void> {
    const k = `${this.keyPrefix}:${key}`;
    this.fallback.delete(k);
    await this.redis.del(k).catch(() => undefined);
  }
}

/** A key for a person's identifier (an email) that does not store it in Redis in the clear. */
export const hashedKey = (value: string): string => createHash('sha256').update(value).digest('base64url').slice(0, 32);

/**
 * The limits of one service, under one Redis key namespace (tests use a fresh
 * one per file). Each limit has a stable name, so replicas share its counters.
 */
export class RateLimits {
  constructor(
    private readonly redis: Redis,
    private readonly namespace = 'ratelimit',
  ) {}

  limit(name: string, rule: LimitRule): Limit {
    return new Limit(this.redis, `${this.namespace}:${name}`, rule);
  }

  gate(name: string): Gate {
    return new Gate(this.redis, `${this.namespace}:${name}`);
  }

  /** Middleware: one point per request from the signed-in user (after requireAuth). */
  perUser(name: string, rule: LimitRule): RequestHandler {
    const limit = this.limit(name, rule);
    return async (req, _res, next) => {
      if (!req.currentUser) return next();
      try {
        await limit.consume(req.currentUser.id);
        next();
      } catch (err) {
        next(err);
      }
    };
  }
}

/** A minute, an hour: windows in seconds. */
export const MINUTE = 60;
export const HOUR = 3600;
