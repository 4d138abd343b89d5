import { SimpleError } from './custom-error';

export class BadRequestError extends SimpleError {
  statusCode = 400;
}

export class NotAuthorizedError extends SimpleError {
  statusCode = 401;
  constructor() {
    super('Not authorized');
  }
}

export class NotFoundError extends SimpleError {
  statusCode = 404;
  constructor() {
    super('Not Found');
  }
}

/** A path that exists, asked with a method it does not answer (the `Allow` header names those it does). */
export class MethodNotAllowedError extends SimpleError {
  statusCode = 405;
  constructor() {
    super('Method Not Allowed');
  }
}

/** The card was declined: the client can try another card (HTTP 402). */
export class PaymentDeclinedError extends SimpleError {
  statusCode = 402;
}

/** Over a rate limit: the client may try again after `retryAfterSeconds` (sent as Retry-After). */
export class TooManyRequestsError extends SimpleError {
  statusCode = 429;
  /** `reason` (optional) says why, before "try again in ...". */
  constructor(
    readonly retryAfterSeconds: number,
    reason = 'Too many requests',
  ) {
    super(`${reason}, try again in ${humanWait(retryAfterSeconds)}`);
  }
}

/**
 * The service is over a bound it keeps (the outbox's unpublished events):
 * the request changed nothing, and the client may send it again after
 * `retryAfterSeconds` (sent as Retry-After).
 */
export class ServiceBusyError extends SimpleError {
  statusCode = 503;
  constructor(readonly retryAfterSeconds: number) {
    super('Service busy, try again');
  }
}

/** A state-changing request whose body is not JSON (closes cross-site form posts). */
export class UnsupportedMediaTypeError extends SimpleError {
  statusCode = 415;
  constructor() {
    super('Content-Type must be application/json');
  }
}

/** "1 second", "45 seconds", "3 minutes", "2 hours": what a person reads in a 429. */
export function humanWait(seconds: number): string {
  const unit = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  if (seconds < 120) return unit(seconds, 'second');
  if (seconds < 2 * 3600) return unit(Math.ceil(seconds / 60), 'minute');
  return unit(Math.ceil(seconds / 3600), 'hour');
}
