import { createSecretKey } from 'node:crypto';
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
export const currentUser = (jwtKey: string): RequestHandler => {
  // Once, not per request: given a string, jsonwebtoken first tries to parse
  // it as a public key (createPublicKey, a quarter of a service's CPU under load).
  const key = createSecretKey(Buffer.from(jwtKey, 'utf8'));
  return (req, _res, next) => {
    const token = req.session?.jwt;
    if (typeof token === 'string') {
      try {
        req.currentUser = jwt.verify(token, key, { algorithms: ['HS256', 'HS384', 'HS512'] }) as UserPayload;
      } catch {
        // Expired or forged: treat as signed out.
      }
    }
    next();
  };
};

export const requireAuth: RequestHandler = (req, _res, next) => {
  if (!req.currentUser) throw new NotAuthorizedError();
  next();
};
