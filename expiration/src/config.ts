import { busConfig, httpConfig, loadConfig, redisConfig, z } from '@ticketing/common';

/** Expiration has no database and no sessions: an HTTP port (health only), Redis for Bull, the bus. */
export const configSchema = z.intersection(httpConfig.merge(redisConfig), busConfig);

export type ExpirationConfig = z.infer<typeof configSchema>;

export const readConfig = (): ExpirationConfig => loadConfig(configSchema);
