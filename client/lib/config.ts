// Server-side settings read when a request is served, not when the bundle is
// built: a computed process.env lookup is not inlined by Next, so one image
// serves any environment.
function readEnv(name: string): string | undefined {
  const value = process.env[name];
  return value && value.trim() ? value.trim() : undefined;
}

/** Stripe's publishable key, or null to offer the test-card button instead. */
export function stripePublishableKey(): string | null {
  return (
    readEnv('NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY') ||
    // also honoured when it was only set for `next build`
    process.env.NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY ||
    null
  );
}

/**
 * FEE_PERCENT and FEE_FIXED, read from the same environment the tickets
 * service prices with (defaults 10 and 0.50): only for the seller's preview
 * of what buyers pay; every price a buyer sees comes from the API.
 */
export function feeSettings(): { percent: number; fixed: number } {
  const number = (name: string, fallback: number, max: number) => {
    const raw = readEnv(name);
    const value = raw === undefined ? NaN : Number(raw);
    return Number.isFinite(value) && value >= 0 && value <= max ? value : fallback;
  };
  return { percent: number('FEE_PERCENT', 10, 100), fixed: number('FEE_FIXED', 0.5, 1000) };
}
