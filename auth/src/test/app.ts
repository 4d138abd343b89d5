import { RateLimitConfig, rateLimitConfig, RateLimits } from '@ticketing/common';
import { TEST_JWT_KEY, TestRedis } from '@ticketing/common/testing';
import { AuthAppConfig, buildApp } from '../app';

/** The production defaults of every limit, as config.ts reads them with no env set. */
export const DEFAULT_LIMITS: RateLimitConfig = rateLimitConfig.parse({});

/**
 * The app as tests drive it: plain-http cookies, the test JWT key, a short
 * session TTL, the production limits on real Redis under this file's own
 * namespace (a fresh sub-namespace per call, so apps never share counters).
 */
let apps = 0;
export const testApp = (redis: TestRedis, overrides: Partial<AuthAppConfig> = {}, namespace = `${redis.namespace}:${++apps}`) =>
  buildApp(
    { JWT_KEY: TEST_JWT_KEY, JWT_TTL_SECONDS: 3600, COOKIE_SECURE: false, ...DEFAULT_LIMITS, ...overrides },
    new RateLimits(redis.client, namespace),
  );
