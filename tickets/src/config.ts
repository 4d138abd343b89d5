import { adminConfig, busConfig, feeConfig, httpConfig, loadConfig, mongoConfig, outboxConfig, sessionConfig, z } from '@ticketing/common';

/** The keys of pass codes (domain/pass-codes.ts): `kid:secret,kid:secret`, the first signs; unset, one derived from JWT_KEY. */
const passConfig = z.object({
  PASS_KEYS: z
    .string()
    .regex(/^[\w.-]+:[^,]+(,[\w.-]+:[^,]+)*$/, 'PASS_KEYS must be kid:secret[,kid:secret...]')
    .optional(),
});

export const configSchema = z.intersection(
  z.intersection(httpConfig.merge(mongoConfig).merge(sessionConfig).merge(outboxConfig).merge(adminConfig).merge(passConfig), busConfig),
  feeConfig,
);

export type TicketsConfig = z.infer<typeof configSchema>;

export const readConfig = (): TicketsConfig => loadConfig(configSchema);
