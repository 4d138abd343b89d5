import { TEST_JWT_KEY } from '@ticketing/common/testing';
import Stripe from 'stripe';
import { buildApp, PaymentsDeps } from '../app';

/** The webhook signing secret the test apps check events against. */
export const TEST_WEBHOOK_SECRET = 'whsec_ticketingPaymentsTest';

/** The app as tests drive it: plain-http cookies, the test JWT key, the given Stripe client (and payment wait options). */
export const testApp = (stripe: Stripe, payments?: PaymentsDeps['payments'], webhookSecret: string | undefined = TEST_WEBHOOK_SECRET) =>
  buildApp({ JWT_KEY: TEST_JWT_KEY, JWT_TTL_SECONDS: 3600, COOKIE_SECURE: false }, { stripe, payments, webhookSecret });
