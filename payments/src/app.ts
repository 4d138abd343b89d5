import { createServiceApp, EventBus, isMongoConnected, SessionConfig } from '@ticketing/common';
import Stripe from 'stripe';
import { createPaymentRouter } from './routes/new';

export interface PaymentsDeps {
  /** The process's Stripe client (see ./stripe.ts); tests pass one with a scripted HTTP client. */
  stripe: Stripe;
  /** For readiness; absent in tests that drive the app alone. */
  bus?: EventBus;
}

export const buildApp = (config: SessionConfig, { stripe, bus }: PaymentsDeps) =>
  createServiceApp({
    routers: [createPaymentRouter(stripe)],
    readiness: { mongo: isMongoConnected, ...(bus ? { bus: () => bus.isConnected() } : {}) },
    session: { jwtKey: config.JWT_KEY, secureCookie: config.COOKIE_SECURE, ttlSeconds: config.JWT_TTL_SECONDS },
  });
