import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

/** What a log line or a published event should know about the work in progress. */
export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export const currentRequestId = (): string | undefined => requestContext.getStore()?.requestId;

/**
 * What never reaches a log line: session cookies, authorization headers,
 * card tokens, passwords and Stripe keys, wherever a caller puts them (one level deep for callers' own objects).
 */
export const REDACTED_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.cookie',
  'headers.authorization',
  'token',
  '*.token',
  'password',
  '*.password',
  'jwt',
  '*.jwt',
  'STRIPE_KEY',
  '*.STRIPE_KEY',
  'stripeKey',
  '*.stripeKey',
  'apiKey',
  '*.apiKey',
];

const defaultLevel = process.env.NODE_ENV === 'test' ? 'silent' : 'info';

/**
 * JSON logs to stdout through pino's asynchronous destination: lines are
 * queued and written in the background, in batches (what is left is flushed
 * on exit by pino), so a slow reader of stdout never holds up a request. LOG_SYNC=true
 * writes each line at once (debugging a crash that kills the process). Every
 * line carries the request id of the work it belongs to; secrets are redacted.
 */
const syncLogs = process.env.LOG_SYNC === 'true';
/**
 * Lines gather up to 4 KB before a write, and whatever is gathered is written
 * every LOG_FLUSH_MS at the latest, since one write(2) per line (minLength 0)
 * is a real share of a cheap request's cost.
 */
const LOG_BATCH_BYTES = 4096;
const LOG_FLUSH_MS = 100;
const destination = pino.destination({ dest: 1, sync: syncLogs, minLength: syncLogs ? 0 : LOG_BATCH_BYTES });
if (!syncLogs) {
  setInterval(() => {
    try {
      destination.flush(); // a no-op while a write is in flight: sonic-boom then writes what follows by itself
    } catch {
      // Destroyed at exit, after pino's final flush.
    }
  }, LOG_FLUSH_MS).unref();
}

export const logger = pino(
  {
    name: process.env.SERVICE_NAME,
    level: process.env.LOG_LEVEL ?? defaultLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  },
  destination,
);

/**
 * The access log's lines (method, URL, status, time, request id): fixed
 * fields, none of them a secret, so they skip the redaction pass, which walks
 * every path above for every line.
 */
export const accessLogger = logger.child({}, { redact: [] });

/** Security-relevant events (ASVS "audit trail"): one structured line each, never a password or token. */
export type AuditEvent =
  | 'signin.succeeded'
  | 'signin.failed'
  | 'signin.throttled'
  | 'signup.succeeded'
  | 'signup.throttled'
  | 'hold.refused'
  | 'request.throttled'
  | 'payment.charged'
  | 'payment.declined'
  | 'payment.refunded'
  | 'payout.account-created'
  | 'payout.paid'
  | 'payout.cancelled'
  | 'payout.reversed';

/**
 * Logs an audit event with the request id (from the context) and whatever
 * identifies the actor: `userId`, and for sign-ins the address and a hash of
 * the email, never the email or password itself.
 */
export function audit(event: AuditEvent, fields: Record<string, unknown> = {}): void {
  logger.info({ audit: event, ...fields }, event);
}
