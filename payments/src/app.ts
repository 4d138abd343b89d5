import { createServiceApp, EventBus, isMongoConnected, SessionConfig } from '@ticketing/common';
import Stripe from 'stripe';
import { createPaymentRouter } from './routes/new';
import { PayOrderOptions } from './services/charges';

export interface PaymentsDeps {
  /** The process's Stripe client (see ./stripe.ts); tests pass one with a scripted HTTP client. */
  stripe: Stripe;
  /** For readiness; absent in tests that drive the app alone. */
  bus?: EventBus;
  /** How a payment request waits for another attempt on its order; defaults suit production. */
  payments?: Partial<PayOrderOptions>;
}

export const buildApp = (config: SessionConfig, { stripe, bus, payments }: PaymentsDeps) =>
  createServiceApp({
    routers: [createPaymentRouter(stripe, payments)],
    readiness: { mongo: isMongoConnected, ...(bus ? { bus: () => bus.isConnected() } : {}) },
    session: { jwtKey: config.JWT_KEY, jwtKeys: config.JWT_KEYS, secureCookie: config.COOKIE_SECURE, ttlSeconds: config.JWT_TTL_SECONDS },
  });
