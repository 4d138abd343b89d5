import { EventData, OutboxRelay, RateLimitConfig, rateLimitConfig, RateLimits, Subjects } from '@ticketing/common';
import { InMemoryBus, TEST_JWT_KEY, TestRedis } from '@ticketing/common/testing';
import { AuthAppConfig, buildApp } from '../app';
import { User } from '../data/user';

/** The production defaults of every limit, as config.ts reads them with no env set. */
export const DEFAULT_LIMITS: RateLimitConfig = rateLimitConfig.parse({});

/**
 * The service as tests drive it: plain-http cookies, the test JWT key, a
 * short session TTL, the production limits on real Redis under this file's
 * own namespace (a fresh sub-namespace per call, so apps never share
 * counters), an in-memory bus, and an outbox relay that publishes to it when
 * a test calls `published()` (it is never started: no timers).
 */
let apps = 0;
export function testService(redis: TestRedis, overrides: Partial<AuthAppConfig> = {}, namespace = `${redis.namespace}:${++apps}`) {
  const bus = new InMemoryBus();
  const relay = new OutboxRelay(bus, [User]);
  const app = buildApp(
    { JWT_KEY: TEST_JWT_KEY, JWT_TTL_SECONDS: 3600, COOKIE_SECURE: false, ...DEFAULT_LIMITS, ...overrides },
    new RateLimits(redis.client, namespace),
    bus,
  );
  /** Publishes what is staged, then returns the data published on a subject. */
  const published = async <S extends Subjects>(subject: S): Promise<EventData<S>[]> => {
    await relay.flush();
    return bus.publishedData(subject);
  };
  return { app, bus, relay, published };
}

/** The app alone, for tests that do not look at the bus. */
export const testApp = (redis: TestRedis, overrides: Partial<AuthAppConfig> = {}, namespace?: string) => testService(redis, overrides, namespace).app;
