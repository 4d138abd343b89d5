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

/**
 * A string variable whose absence reads "<name> must be defined" (zod 4 has no
 * `required_error`: the error map tells a missing value from a mistyped one).
 */
export const definedString = (name: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? `${name} must be defined` : undefined) });

const required = (name: string) => definedString(name).min(1, `${name} must not be empty`);

export const httpConfig = z.object({
  PORT: port(3000),
});

/**
 * How many proxies stand in front of a service and append to X-Forwarded-For
 * (ingress-nginx or the local gateway: 1; add a CDN or load balancer: 2).
 * The client address is the entry that many hops from the right; anything a
 * client wrote further left is ignored (per-address rate limits).
 */
export const proxyConfig = z.object({
  TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(1),
});

export const mongoConfig = z.object({
  MONGO_URI: required('MONGO_URI').regex(/^mongodb(\+srv)?:\/\//, 'MONGO_URI must be a mongodb:// URI'),
});

export const sessionConfig = z.object({
  JWT_KEY: required('JWT_KEY'),
  /** Key rotation: `kid:secret,kid:secret`; the first signs, each verifies until removed (JWT_KEY always verifies). */
  JWT_KEYS: z
    .string()
    .regex(/^[\w.-]+:[^,]+(,[\w.-]+:[^,]+)*$/, 'JWT_KEYS must be kid:secret[,kid:secret...]')
    .optional(),
  JWT_TTL_SECONDS: z.coerce.number().int().positive().default(86400),
  /** false only where the origin is plain http (e.g. localhost): browsers drop Secure cookies there. */
  COOKIE_SECURE: booleanString.default(true),
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
    /** Unacked messages per subscription held by one process (see BusTuning.maxInFlight). */
    EVENT_MAX_IN_FLIGHT: z.coerce.number().int().min(1).default(8),
  })
  .refine((c) => c.EVENT_BUS !== 'stan' || !!c.NATS_CLUSTER_ID, {
    message: 'NATS_CLUSTER_ID must be defined when EVENT_BUS is stan',
    path: ['NATS_CLUSTER_ID'],
  })
  .transform((c) => ({ ...c, NATS_CLUSTER_ID: c.NATS_CLUSTER_ID ?? '' }));

/**
 * The outbox relay's back-pressure (OutboxRelayOptions.maxBacklog,
 * busyWaitMs): past OUTBOX_MAX_BACKLOG events of one collection not yet
 * published by this process, staging writes wait up to OUTBOX_BUSY_WAIT_MS
 * for the backlog to fall, then are refused (503, Retry-After).
 */
export const outboxConfig = z.object({
  OUTBOX_MAX_BACKLOG: z.coerce.number().int().positive().default(500),
  OUTBOX_BUSY_WAIT_MS: z.coerce.number().int().min(0).default(2000),
  /** How long a staging write waits for its event's publish (OutboxRelayOptions.publishWaitMs); 0: not at all. */
  OUTBOX_PUBLISH_WAIT_MS: z.coerce.number().int().min(0).default(2000),
});

/** Redis: Bull's queue (expiration), the shared rate-limit counters and hold counts (auth, orders, payments). */
export const redisConfig = z.object({
  REDIS_HOST: required('REDIS_HOST'),
  REDIS_PORT: port(6379),
});

/**
 * Admins: the users whose email is in ADMIN_EMAILS (comma-separated; spaces
 * and case do not matter). Unset or empty: nobody is an admin.
 */
export const adminConfig = z.object({
  ADMIN_EMAILS: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((email) => email.trim().toLowerCase())
        .filter(Boolean),
    ),
});

const limit = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/**
 * Every rate limit, with its production default (docs/security.md, "Limits"). Per-address
 * limits are generous (a classroom shares one address); per-account and
 * per-user limits do the real work.
 */
export const rateLimitConfig = z.object({
  /** Sign-in attempts from one address per minute. */
  SIGNIN_PER_IP_PER_MINUTE: limit(300),
  /** Failed sign-ins from one address per hour (credential stuffing). */
  SIGNIN_FAILURES_PER_IP_PER_HOUR: limit(600),
  /** Failed sign-ins of one account per hour from addresses it never signed in from (OWASP ASVS: at most 100). */
  SIGNIN_FAILURES_PER_ACCOUNT_PER_HOUR: limit(100),
  /** Consecutive failures of one account from one address before the back-off starts. */
  SIGNIN_FREE_FAILURES: limit(5),
  /** The first back-off; it doubles per further failure up to SIGNIN_MAX_BACKOFF_SECONDS. */
  SIGNIN_BACKOFF_SECONDS: limit(1),
  /** The back-off's cap. */
  SIGNIN_MAX_BACKOFF_SECONDS: limit(900),
  /** Sign-up attempts from one address per minute. */
  SIGNUP_PER_IP_PER_MINUTE: limit(120),
  /** Sign-up attempts for one email per hour. */
  SIGNUP_PER_ACCOUNT_PER_HOUR: limit(10),
  /** POST /api/orders per user per minute. */
  ORDERS_PER_USER_PER_MINUTE: limit(60),
  /** POST /api/payments per user per minute. */
  PAYMENTS_PER_USER_PER_MINUTE: limit(30),
});

export type AdminConfig = z.infer<typeof adminConfig>;
export type BusConfig = z.infer<typeof busConfig>;
export type OutboxConfig = z.infer<typeof outboxConfig>;
export type RedisConfig = z.infer<typeof redisConfig>;
export type RateLimitConfig = z.infer<typeof rateLimitConfig>;
export type SessionConfig = z.infer<typeof sessionConfig>;

export { z };
