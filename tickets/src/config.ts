import { busConfig, httpConfig, loadConfig, mongoConfig, outboxConfig, sessionConfig, z } from '@ticketing/common';

export const configSchema = z.intersection(httpConfig.merge(mongoConfig).merge(sessionConfig).merge(outboxConfig), busConfig);

export type TicketsConfig = z.infer<typeof configSchema>;

export const readConfig = (): TicketsConfig => loadConfig(configSchema);
