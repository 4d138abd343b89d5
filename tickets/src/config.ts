import { busConfig, httpConfig, loadConfig, mongoConfig, sessionConfig, z } from '@ticketing/common';

export const configSchema = z.intersection(httpConfig.merge(mongoConfig).merge(sessionConfig), busConfig);

export type TicketsConfig = z.infer<typeof configSchema>;

export const readConfig = (): TicketsConfig => loadConfig(configSchema);
