import { Request } from 'express';
import jwt from 'jsonwebtoken';
import { UserDoc } from '../models/user';

/** Puts a signed, expiring JWT for the user in the cookie session. */
export function startSession(req: Request, user: UserDoc, jwtKey: string, ttlSeconds: number): void {
  const token = jwt.sign({ id: user.id, email: user.email }, jwtKey, { expiresIn: ttlSeconds });
  req.session = { jwt: token };
}
