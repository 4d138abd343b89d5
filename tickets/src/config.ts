import { busConfig, feeConfig, httpConfig, loadConfig, mongoConfig, outboxConfig, sessionConfig, z } from '@ticketing/common';

export const configSchema = z.intersection(z.intersection(httpConfig.merge(mongoConfig).merge(sessionConfig).merge(outboxConfig), busConfig), feeConfig);

export type TicketsConfig = z.infer<typeof configSchema>;

export const readConfig = (): TicketsConfig => loadConfig(configSchema);
