import { createServiceApp, EventBus, isMongoConnected, MINUTE, RateLimitConfig, ReadinessCheck, RateLimits, SessionConfig } from '@ticketing/common';
import { Router } from 'express';
import Stripe from 'stripe';
import { createPaymentRouter } from './entry-points/http/new';
import { createWebhookRouter } from './entry-points/http/webhook';
import { createPayoutRouter } from './entry-points/http/payouts';
import { PayOrderOptions } from './domain/charges';
import { auditPayments } from './domain/payment-audit';
import { PayoutConfig } from './config';

export interface PaymentsDeps {
  /** The process's Stripe client (see ./stripe.ts); tests pass one with a scripted HTTP client. */
  stripe: Stripe;
  /** For readiness; absent in tests that drive the app alone. */
  bus?: EventBus;
  /** How a payment request waits for another attempt on its order; defaults suit production. */
  payments?: Partial<PayOrderOptions>;
  /** STRIPE_WEBHOOK_SECRET; without it the webhook answers 503. */
  webhookSecret?: string;
  /** The Redis-backed limits (POST /api/payments per user). */
  limits: RateLimits;
  /** The outbox relay's readiness (false while its backlog is at its bound). */
  outbox?: ReadinessCheck;
}

/** Where Stripe's onboarding sends a seller back; tests get the default. */
const DEFAULT_ONBOARDING_RETURN_URL = 'https://ticketing.dev/payouts';

export type PaymentsAppConfig = SessionConfig &
  Pick<RateLimitConfig, 'PAYMENTS_PER_USER_PER_MINUTE'> &
  Partial<Pick<PayoutConfig, 'PAYOUT_ONBOARDING_RETURN_URL'>>;

export const buildApp = (config: PaymentsAppConfig, { stripe, bus, payments, limits, webhookSecret, outbox }: PaymentsDeps) =>
  createServiceApp({
    // The webhook checks Stripe's signature over the raw body, so it is mounted ahead of the JSON parser.
    rawBodyRouters: [createWebhookRouter(stripe, webhookSecret)],
    routers: [
      Router().post('/api/payments', auditPayments, limits.perUser('payments', { points: config.PAYMENTS_PER_USER_PER_MINUTE, windowSeconds: MINUTE })),
      createPaymentRouter(stripe, payments),
      createPayoutRouter(stripe, config.PAYOUT_ONBOARDING_RETURN_URL ?? DEFAULT_ONBOARDING_RETURN_URL),
    ],
    readiness: { mongo: isMongoConnected, ...(bus ? { bus: () => bus.isConnected() } : {}), ...(outbox ? { outbox } : {}) },
    session: { jwtKey: config.JWT_KEY, jwtKeys: config.JWT_KEYS, secureCookie: config.COOKIE_SECURE, ttlSeconds: config.JWT_TTL_SECONDS },
  });
