import { randomUUID } from 'node:crypto';
import { RequestHandler } from 'express';
import { accessLogger, currentRequestId, requestContext } from '../logger';

const REQUEST_ID_HEADER = 'x-request-id';
const VALID_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Gives each request an id (kept from the caller when sane), echoes it, and runs the rest inside its context. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.header(REQUEST_ID_HEADER);
  const id = incoming && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  requestContext.run({ requestId: id }, next);
};

const UNLOGGED = new Set(['/healthz', '/readyz']);

/**
 * One access-log line per request when it ends: method, URL, status, time,
 * and the request id. Not pino-http: it built two child loggers per request
 * and serialised every header (the session cookie among them) into each
 * line, which made logging the largest cost of a cheap request. One 'close'
 * listener (it follows 'finish', or comes alone when the connection is cut
 * first) and the request id taken now, since a context-bound callback
 * (AsyncResource.bind) costs more than reading it once.
 */
export const requestLogging: RequestHandler = (req, res, next) => {
  if (UNLOGGED.has(req.url)) return next();
  const startedAt = performance.now();
  const { method, url } = req;
  const requestId = currentRequestId();
  res.once('close', () => {
    const line = { requestId, req: { method, url }, res: { statusCode: res.statusCode }, responseTime: Math.round(performance.now() - startedAt) };
    if (!res.writableFinished) accessLogger.warn(line, 'request aborted');
    else if (res.statusCode >= 500) accessLogger.error(line, 'request failed');
    else accessLogger.info(line, 'request completed');
  });
  next();
};
