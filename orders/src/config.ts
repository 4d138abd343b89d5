import { busConfig, httpConfig, loadConfig, mongoConfig, sessionConfig, z } from '@ticketing/common';

/** What the orders service adds to the common settings: the lock window and the expiry sweep. */
export const ordersConfig = z.object({
  /** How long an order holds its ticket before it expires unpaid (the 15-minute lock). */
  EXPIRATION_WINDOW_SECONDS: z.coerce.number().int().positive().default(900),
  /** How often the safety-net sweep looks for orders whose expiration never arrived. */
  ORDER_SWEEP_INTERVAL_MS: z.coerce.number().int().positive().default(60000),
  /** How long past expiresAt an unpaid order waits for expiration:complete before the sweep cancels it. */
  ORDER_SWEEP_GRACE_SECONDS: z.coerce.number().int().min(0).default(60),
});

export const configSchema = z.intersection(
  httpConfig.merge(mongoConfig).merge(sessionConfig).merge(ordersConfig),
  busConfig,
);

export type OrdersConfig = z.infer<typeof configSchema>;

export const readConfig = (): OrdersConfig => loadConfig(configSchema);
