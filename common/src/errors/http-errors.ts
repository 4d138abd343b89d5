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

/** The card was declined: the client can try another card (HTTP 402). */
export class PaymentDeclinedError extends SimpleError {
  statusCode = 402;
}

/** The record changed since it was read (optimistic concurrency). */
export class ConflictError extends SimpleError {
  statusCode = 409;
}

export class DatabaseConnectionError extends SimpleError {
  statusCode = 503;
  constructor() {
    super('Error connecting to database');
  }
}
