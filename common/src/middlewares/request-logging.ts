import { randomUUID } from 'node:crypto';
import { RequestHandler } from 'express';
import pinoHttp from 'pino-http';
import { logger, requestContext } from '../logger';

const REQUEST_ID_HEADER = 'x-request-id';
const VALID_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Gives each request an id (kept from the caller when sane), echoes it, and runs the rest inside its context. */
export const requestId: RequestHandler = (req, res, next) => {
  const incoming = req.header(REQUEST_ID_HEADER);
  const id = incoming && VALID_REQUEST_ID.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  requestContext.run({ requestId: id }, next);
};

/** One access-log line per request, with the request id from the context. */
export const requestLogging = pinoHttp({
  logger,
  genReqId: (req, res) => String(res.getHeader(REQUEST_ID_HEADER) ?? randomUUID()),
  // The mixin already adds requestId; pino-http's own req object is enough detail.
  quietReqLogger: true,
  autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
});
