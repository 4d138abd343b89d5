import { TEST_JWT_KEY } from '@ticketing/common/testing';
import Stripe from 'stripe';
import { buildApp, PaymentsDeps } from '../app';

/** The app as tests drive it: plain-http cookies, the test JWT key, the given Stripe client (and payment wait options). */
export const testApp = (stripe: Stripe, payments?: PaymentsDeps['payments']) =>
  buildApp({ JWT_KEY: TEST_JWT_KEY, JWT_TTL_SECONDS: 3600, COOKIE_SECURE: false }, { stripe, payments });
