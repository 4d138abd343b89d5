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

export const configSchema = z.intersection(
  httpConfig.merge(mongoConfig).merge(sessionConfig).merge(outboxConfig).merge(stripeConfig).merge(redisConfig).merge(rateLimitConfig),
  busConfig,
);

export type PaymentsConfig = z.infer<typeof configSchema>;

export const readConfig = (): PaymentsConfig => loadConfig(configSchema);
