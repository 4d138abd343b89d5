import { RequestHandler } from 'express';
import { NotAuthorizedError } from '../errors';
import { SessionKeys, UserPayload } from './session-keys';

export type { UserPayload } from './session-keys';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- augmenting Express's own global namespace is the only way to type req.currentUser
  namespace Express {
    interface Request {
      currentUser?: UserPayload;
    }
  }
}

/** Sets req.currentUser from a valid, unexpired session JWT; anything else means signed out. */
export const currentUser =
  (keys: SessionKeys): RequestHandler =>
  (req, _res, next) => {
    const token = req.session?.jwt;
    if (typeof token === 'string') req.currentUser = keys.verify(token);
    next();
  };

export const requireAuth: RequestHandler = (req, _res, next) => {
  if (!req.currentUser) throw new NotAuthorizedError();
  next();
};
