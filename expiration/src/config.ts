import { busConfig, httpConfig, loadConfig, z } from '@ticketing/common';

export const redisConfig = z.object({
  REDIS_HOST: z.string({ required_error: 'REDIS_HOST must be defined' }).min(1, 'REDIS_HOST must not be empty'),
  REDIS_PORT: z.coerce.number().int().min(1).max(65535).default(6379),
});

/** Expiration has no database and no sessions: an HTTP port (health only), Redis for Bull, the bus. */
export const configSchema = z.intersection(httpConfig.merge(redisConfig), busConfig);

export type ExpirationConfig = z.infer<typeof configSchema>;

export const readConfig = (): ExpirationConfig => loadConfig(configSchema);
