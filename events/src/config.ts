import { adminConfig, busConfig, httpConfig, loadConfig, mongoConfig, sessionConfig, z } from '@ticketing/common';

export const configSchema = z.intersection(httpConfig.merge(mongoConfig).merge(sessionConfig).merge(adminConfig), busConfig);

export type EventsConfig = z.infer<typeof configSchema>;

export const readConfig = (): EventsConfig => loadConfig(configSchema);
