import { createServiceApp, EventBus, isMongoConnected, SessionConfig } from '@ticketing/common';
import express from 'express';
import Stripe from 'stripe';
import { createPaymentRouter } from './routes/new';
import { createWebhookRouter } from './routes/webhook';
import { PayOrderOptions } from './services/charges';

export interface PaymentsDeps {
  /** The process's Stripe client (see ./stripe.ts); tests pass one with a scripted HTTP client. */
  stripe: Stripe;
  /** For readiness; absent in tests that drive the app alone. */
  bus?: EventBus;
  /** How a payment request waits for another attempt on its order; defaults suit production. */
  payments?: Partial<PayOrderOptions>;
  /** STRIPE_WEBHOOK_SECRET; without it the webhook answers 503. */
  webhookSecret?: string;
}

export const buildApp = (config: SessionConfig, { stripe, bus, payments, webhookSecret }: PaymentsDeps) => {
  const app = express();
  app.set('trust proxy', true);
  app.disable('x-powered-by');
  // First: the webhook needs the raw body, which the service app would parse as JSON.
  app.use(createWebhookRouter(stripe, webhookSecret));
  app.use(
    createServiceApp({
      routers: [createPaymentRouter(stripe, payments)],
      readiness: { mongo: isMongoConnected, ...(bus ? { bus: () => bus.isConnected() } : {}) },
      session: { jwtKey: config.JWT_KEY, secureCookie: config.COOKIE_SECURE, ttlSeconds: config.JWT_TTL_SECONDS },
    }),
  );
  return app;
};
