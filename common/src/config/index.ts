import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

/** Thrown by loadConfig; its message names every bad variable. */
export class ConfigError extends Error {}

/**
 * Validates the environment against a schema. On failure it throws a
 * ConfigError whose message names each missing or malformed variable.
 */
export function loadConfig<S extends z.ZodTypeAny>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(env)'}: ${issue.message}`);
  throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
}

const booleanString = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

const required = (name: string) => z.string({ required_error: `${name} must be defined` }).min(1, `${name} must not be empty`);

export const httpConfig = z.object({
  PORT: port(3000),
});

export const mongoConfig = z.object({
  MONGO_URI: required('MONGO_URI').regex(/^mongodb(\+srv)?:\/\//, 'MONGO_URI must be a mongodb:// URI'),
});

export const sessionConfig = z.object({
  JWT_KEY: required('JWT_KEY'),
  JWT_TTL_SECONDS: z.coerce.number().int().positive().default(86400),
  /** false only where the origin is plain http (e.g. localhost): browsers drop Secure cookies there. */
  COOKIE_SECURE: booleanString.default('true'),
});

const defaultClientId = () => `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`.replace(/[^\w-]/g, '_');

export const busConfig = z
  .object({
    EVENT_BUS: z.enum(['stan', 'jetstream']).default('stan'),
    NATS_URL: required('NATS_URL').regex(/^nats:\/\//, 'NATS_URL must be a nats:// URL'),
    NATS_CLUSTER_ID: z.string().min(1).optional(),
    /** STAN client ids are alphanumerics, '-' and '_' only. */
    NATS_CLIENT_ID: z
      .string()
      .regex(/^[\w-]+$/, 'NATS_CLIENT_ID may hold letters, digits, - and _ only')
      .default(defaultClientId),
    EVENT_ACK_WAIT_MS: z.coerce.number().int().min(1000).default(5000),
    EVENT_MAX_DELIVER: z.coerce.number().int().min(1).default(1000),
  })
  .refine((c) => c.EVENT_BUS !== 'stan' || !!c.NATS_CLUSTER_ID, {
    message: 'NATS_CLUSTER_ID must be defined when EVENT_BUS is stan',
    path: ['NATS_CLUSTER_ID'],
  })
  .transform((c) => ({ ...c, NATS_CLUSTER_ID: c.NATS_CLUSTER_ID ?? '' }));

export type BusConfig = z.infer<typeof busConfig>;
export type SessionConfig = z.infer<typeof sessionConfig>;

export { z };
