import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';

/** What a log line or a published event should know about the work in progress. */
export interface RequestContext {
  requestId: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export const currentRequestId = (): string | undefined => requestContext.getStore()?.requestId;

const defaultLevel = process.env.NODE_ENV === 'test' ? 'silent' : 'info';

/** JSON logs to stdout; every line carries the request id of the work it belongs to. */
export const logger = pino({
  name: process.env.SERVICE_NAME,
  level: process.env.LOG_LEVEL ?? defaultLevel,
  mixin: () => {
    const requestId = currentRequestId();
    return requestId ? { requestId } : {};
  },
});
