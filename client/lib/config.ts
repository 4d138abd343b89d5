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
