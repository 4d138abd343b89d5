import { ErrorRequestHandler } from 'express';
import mongoose from 'mongoose';
import { CustomError, SerializedError, ServiceBusyError, TooManyRequestsError } from '../errors';
import { logger } from '../logger';

const reply = (status: number, errors: SerializedError[]) => ({ status, body: { errors } });

/** Maps what a client got wrong (as detected by libraries) to a 4xx; null for real faults. */
/** What http-errors (body-parser's) carry; anything thrown may have these or not. */
type HttpErrorLike = { status?: unknown; statusCode?: unknown; type?: unknown; expose?: unknown; message?: unknown } | null | undefined;

function classify(thrown: unknown): { status: number; body: { errors: SerializedError[] } } | null {
  const err = thrown as HttpErrorLike;
  if (thrown instanceof CustomError) return reply(thrown.statusCode, thrown.serializeErrors());
  // Express could not decode a path parameter (a malformed %-escape): the path names nothing.
  if (thrown instanceof URIError) return reply(404, [{ message: 'Not Found' }]);
  // body-parser and other http-errors: malformed JSON, a body that is not
  // what its Content-Encoding says, wrong charset, too large, ...
  const status = typeof err?.status === 'number' ? err.status : err?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message =
      err?.type === 'entity.parse.failed'
        ? 'Request body is not valid JSON'
        : err?.expose !== false && typeof err?.message === 'string' && err.message
          ? err.message
          : 'Bad request';
    return reply(status, [{ message }]);
  }
  if (thrown instanceof mongoose.Error.CastError) {
    return reply(400, [{ message: `Invalid ${thrown.path}`, field: thrown.path }]);
  }
  if (thrown instanceof mongoose.Error.VersionError) {
    return reply(409, [{ message: 'This record was changed by someone else; reload and try again' }]);
  }
  if (thrown instanceof mongoose.Error.ValidationError) {
    return reply(
      400,
      Object.values(thrown.errors).map((e) => ({ message: e.message, field: e.path })),
    );
  }
  return null;
}

/** The one place where anything thrown becomes the contract's error body. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = classify(err);
  if (err instanceof TooManyRequestsError || err instanceof ServiceBusyError) res.set('Retry-After', String(err.retryAfterSeconds));
  if (known) {
    res.status(known.status).send(known.body);
    return;
  }
  logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
  res.status(500).send({ errors: [{ message: 'Something went wrong' }] });
};
