import { RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import { NotAuthorizedError } from '../errors';

export interface UserPayload {
  id: string;
  email: string;
  iat?: number;
  exp?: number;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      currentUser?: UserPayload;
    }
  }
}

/** Sets req.currentUser from a valid, unexpired session JWT; anything else means signed out. */
export const currentUser =
  (jwtKey: string): RequestHandler =>
  (req, _res, next) => {
    const token = req.session?.jwt;
    if (typeof token === 'string') {
      try {
        req.currentUser = jwt.verify(token, jwtKey) as UserPayload;
      } catch {
        // Expired or forged: treat as signed out.
      }
    }
    next();
  };

export const requireAuth: RequestHandler = (req, _res, next) => {
  if (!req.currentUser) throw new NotAuthorizedError();
  next();
};
