import { ErrorRequestHandler } from 'express';
import mongoose from 'mongoose';
import { CustomError, SerializedError, TooManyRequestsError } from '../errors';
import { logger } from '../logger';

const reply = (status: number, errors: SerializedError[]) => ({ status, body: { errors } });

/** Maps what a client got wrong (as detected by libraries) to a 4xx; null for real faults. */
function classify(err: any): { status: number; body: { errors: SerializedError[] } } | null {
  if (err instanceof CustomError) return reply(err.statusCode, err.serializeErrors());
  // Express could not decode a path parameter (a malformed %-escape): the path names nothing.
  if (err instanceof URIError) return reply(404, [{ message: 'Not Found' }]);
  // body-parser and other http-errors: malformed JSON, a body that is not
  // what its Content-Encoding says, wrong charset, too large, ...
  const status = typeof err?.status === 'number' ? err.status : err?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message =
      err.type === 'entity.parse.failed'
        ? 'Request body is not valid JSON'
        : err.expose !== false && typeof err.message === 'string' && err.message
          ? err.message
          : 'Bad request';
    return reply(status, [{ message }]);
  }
  if (err instanceof mongoose.Error.CastError) {
    return reply(400, [{ message: `Invalid ${err.path}`, field: err.path }]);
  }
  if (err instanceof mongoose.Error.VersionError) {
    return reply(409, [{ message: 'This record was changed by someone else; reload and try again' }]);
  }
  if (err instanceof mongoose.Error.ValidationError) {
    return reply(
      400,
      Object.values(err.errors).map((e) => ({ message: e.message, field: e.path })),
    );
  }
  return null;
}

/** The one place where anything thrown becomes the contract's error body. */
export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const known = classify(err);
  if (err instanceof TooManyRequestsError) res.set('Retry-After', String(err.retryAfterSeconds));
  if (known) {
    res.status(known.status).send(known.body);
    return;
  }
  logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
  res.status(500).send({ errors: [{ message: 'Something went wrong' }] });
};
