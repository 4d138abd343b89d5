import { rateLimitConfig, RateLimits } from '@ticketing/common';
import { TEST_JWT_KEY, useTestRedis } from '@ticketing/common/testing';
import Stripe from 'stripe';
import { buildApp, PaymentsDeps } from '../app';

/** The webhook signing secret the test apps check events against. */
export const TEST_WEBHOOK_SECRET = 'whsec_ticketingPaymentsTest';

/** The real Redis, under a namespace of this test file's own (the per-user limit). */
export const testRedis = useTestRedis();
let apps = 0;

export interface TestAppOptions {
  PAYMENTS_PER_USER_PER_MINUTE?: number;
  /** Defaults to TEST_WEBHOOK_SECRET; pass undefined explicitly for "not configured". */
  webhookSecret?: string;
}

/**
 * The app as tests drive it: plain-http cookies, the test JWT key, the given
 * Stripe client (and payment wait options), the production limits on real
 * Redis (a fresh namespace per app), the test webhook secret.
 */
export const testApp = (stripe: Stripe, payments?: PaymentsDeps['payments'], options: TestAppOptions = {}) => {
  const { webhookSecret, ...limitOverrides } = { webhookSecret: TEST_WEBHOOK_SECRET, ...options };
  return buildApp(
    { JWT_KEY: TEST_JWT_KEY, JWT_TTL_SECONDS: 3600, COOKIE_SECURE: false, ...rateLimitConfig.parse({}), ...limitOverrides },
    { stripe, payments, limits: new RateLimits(testRedis.client, `${testRedis.namespace}:${++apps}`), webhookSecret },
  );
};
