import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

/** What a log line or a published event should know about the work in progress. */
export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export const currentRequestId = (): string | undefined => requestContext.getStore()?.requestId;

const defaultLevel = process.env.NODE_ENV === 'test' ? 'silent' : 'info';

/**
 * JSON logs to stdout through pino's asynchronous destination: lines are
 * queued and written in the background (what is left is flushed on exit by
 * pino), so a slow reader of stdout never holds up a request. LOG_SYNC=true writes each
 * line at once (debugging a crash that kills the process). Every line carries
 * the request id of the work it belongs to.
 */
export const logger = pino(
  {
    name: process.env.SERVICE_NAME,
    level: process.env.LOG_LEVEL ?? defaultLevel,
    mixin: () => {
      const requestId = currentRequestId();
      return requestId ? { requestId } : {};
    },
  },
  // minLength 0: a line is written as soon as the previous write is done (lines written meanwhile go together).
  pino.destination({ dest: 1, sync: process.env.LOG_SYNC === 'true', minLength: 0 }),
);
