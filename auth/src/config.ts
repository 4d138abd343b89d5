import { httpConfig, loadConfig, mongoConfig, sessionConfig, z } from '@ticketing/common';

export const configSchema = httpConfig.merge(mongoConfig).merge(sessionConfig);

export type AuthConfig = z.infer<typeof configSchema>;

export const readConfig = (): AuthConfig => loadConfig(configSchema);
