import { busConfig, definedString, httpConfig, loadConfig, mongoConfig, outboxConfig, rateLimitConfig, redisConfig, sessionConfig, z } from '@ticketing/common';

/** The Stripe secret key, and optionally where the API lives (stripe-mock for local runs and tests). */
export const stripeConfig = z.object({
  STRIPE_KEY: definedString('STRIPE_KEY').regex(
    /^(sk|rk)_(test|live)_[A-Za-z0-9]+$/,
    'STRIPE_KEY must be a Stripe secret key (sk_test_..., sk_live_...)',
  ),
  STRIPE_API_BASE: z
    .string()
    .url('STRIPE_API_BASE must be a URL, e.g. http://127.0.0.1:12111')
    .refine((v) => /^https?:\/\/[^/]+\/?$/.test(v), 'STRIPE_API_BASE must be http(s)://host[:port] with no path')
    .optional(),
  /**
   * The signing secret of the webhook endpoint (Dashboard or `stripe listen`).
   * Without it POST /api/payments/webhook answers 503: events cannot be checked.
   */
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9]+$/, 'STRIPE_WEBHOOK_SECRET must be a webhook signing secret (whsec_...)')
    .optional(),
});

export type StripeConfig = z.infer<typeof stripeConfig>;

/** Seller payouts (domain/payouts.ts): how long money is held after the event, how often the release runs. */
export const payoutConfig = z.object({
  /** Held after the event's start (or the payment, without an event) before the seller is paid: five days. */
  PAYOUT_HOLD_SECONDS: z.coerce.number().int().min(0).default(432000),
  /** How often the releaser looks for payouts that are due. */
  PAYOUT_RELEASE_INTERVAL_MS: z.coerce.number().int().min(100).default(30000),
  /** A release claimed longer ago than this lost its process (longer than a Stripe call with its retries): another run takes it over. */
  PAYOUT_CLAIM_LEASE_MS: z.coerce.number().int().min(1000).default(120000),
  /** Where Stripe's onboarding sends the seller back (refresh_url and return_url of the account link). */
  PAYOUT_ONBOARDING_RETURN_URL: z.string().url('PAYOUT_ONBOARDING_RETURN_URL must be a URL').default('https://ticketing.dev/payouts'),
});

export type PayoutConfig = z.infer<typeof payoutConfig>;

export const configSchema = z.intersection(
  httpConfig.merge(mongoConfig).merge(sessionConfig).merge(outboxConfig).merge(stripeConfig).merge(payoutConfig).merge(redisConfig).merge(rateLimitConfig),
  busConfig,
);

export type PaymentsConfig = z.infer<typeof configSchema>;

export const readConfig = (): PaymentsConfig => loadConfig(configSchema);
