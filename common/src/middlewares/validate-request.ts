import { RequestHandler } from 'express';
import { validationResult } from 'express-validator';
import { isValidObjectId } from 'mongoose';
import { NotFoundError, RequestValidationError } from '../errors';

export const validateRequest: RequestHandler = (req, _res, next) => {
  const errors = validationResult(req);
  if (!errors.isEmpty()) throw new RequestValidationError(errors.array());
  next();
};

/** A malformed id in the path names nothing: 404, like an unknown one. */
export const validateIdParam =
  (name = 'id'): RequestHandler =>
  (req, _res, next) => {
    const value = req.params[name];
    if (!isValidObjectId(value) || !/^[0-9a-fA-F]{24}$/.test(value)) throw new NotFoundError();
    next();
  };
