import { httpConfig, loadConfig, mongoConfig, rateLimitConfig, redisConfig, sessionConfig, z } from '@ticketing/common';

export const configSchema = httpConfig.merge(mongoConfig).merge(sessionConfig).merge(redisConfig).merge(rateLimitConfig);

export type AuthConfig = z.infer<typeof configSchema>;

export const readConfig = (): AuthConfig => loadConfig(configSchema);
