import { busConfig, httpConfig, loadConfig, mongoConfig, rateLimitConfig, redisConfig, sessionConfig, z } from '@ticketing/common';

export const configSchema = z.intersection(httpConfig.merge(mongoConfig).merge(sessionConfig).merge(redisConfig).merge(rateLimitConfig), busConfig);

export type AuthConfig = z.infer<typeof configSchema>;

export const readConfig = (): AuthConfig => loadConfig(configSchema);
