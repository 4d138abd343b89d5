import { busConfig, feeConfig, httpConfig, loadConfig, mongoConfig, outboxConfig, rateLimitConfig, redisConfig, sessionConfig, z } from '@ticketing/common';

/** What the orders service adds to the common settings: the lock window and the expiry sweep. */
export const ordersConfig = z.object({
  /** How long an order holds its ticket before it expires unpaid (the 15-minute lock). */
  EXPIRATION_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  /** How often the safety-net sweep looks for orders whose expiration never arrived. */
  ORDER_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(60000),
  /** How long past expiresAt an unpaid order waits for expiration:complete before the sweep cancels it. */
  ORDER_SWEEP_GRACE_SECONDS: z.coerce.number().int().min(0).default(60),
  /** Anti-hoarding (OWASP OAT-021): unpaid orders one user may hold at once. */
  MAX_ACTIVE_ORDERS_PER_USER: z.coerce.number().int().positive().default(3),
  /** A user whose holds lapsed unpaid this many times within the window waits before the next hold. */
  LAPSED_HOLDS_BEFORE_WAIT: z.coerce.number().int().positive().default(5),
  LAPSED_HOLDS_WINDOW_SECONDS: z.coerce.number().int().positive().default(86400),
  LAPSED_HOLDS_WAIT_SECONDS: z.coerce.number().int().positive().default(3600),
  /** How long an offer to a waiting buyer holds its seats for them alone (docs/waitlist.md). */
  WAITLIST_OFFER_SECONDS: z.coerce.number().int().positive().default(600),
  /** How often the waiting-list sweep ends offers whose time passed (and repairs what a crash left half done). */
  WAITLIST_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(2000),
});

export const configSchema = z.intersection(
  z.intersection(
    httpConfig.merge(mongoConfig).merge(sessionConfig).merge(outboxConfig).merge(ordersConfig).merge(redisConfig).merge(rateLimitConfig),
    busConfig,
  ),
  // The fee of a version-1 listing, whose ticket messages carry none.
  feeConfig,
);

export type OrdersConfig = z.infer<typeof configSchema>;

export const readConfig = (): OrdersConfig => loadConfig(configSchema);
