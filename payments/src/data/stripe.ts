import Stripe from 'stripe';
import { StripeConfig } from '../config';

/** Where the SDK sends its requests: api.stripe.com unless STRIPE_API_BASE says otherwise. */
export function stripeAddress(apiBase: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!apiBase) return {};
  const url = new URL(apiBase);
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return { host: url.hostname, port: url.port || (protocol === 'http' ? 80 : 443), protocol };
}

/** How long the SDK waits for one Stripe request (each of its retries gets as long again). */
export const STRIPE_TIMEOUT_MS = 20000;

/**
 * The one Stripe client of the process, built from config. Tests pass
 * `httpClient` to watch or script what goes over the wire.
 */
export function createStripe(config: StripeConfig, overrides: Partial<Stripe.StripeConfig> = {}): Stripe {
  return new Stripe(config.STRIPE_KEY, {
    // Safe: every POST we make carries our own idempotency key, reused by these retries.
    maxNetworkRetries: 2,
    timeout: STRIPE_TIMEOUT_MS,
    appInfo: { name: 'ticketing-payments' },
    ...stripeAddress(config.STRIPE_API_BASE),
    ...overrides,
  });
}
