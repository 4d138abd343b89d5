import { SessionKeys } from '@ticketing/common';
import { Request } from 'express';
import { UserDoc } from '../../data/user';

/** A session started by sign-up or sign-in: the keys that sign it and how long it lasts. */
export interface SessionIssuer {
  keys: SessionKeys;
  ttlSeconds: number;
}

/** Puts a signed (HS256, with key id, issuer and audience), expiring JWT for the user in the cookie session. */
export function startSession(req: Request, user: UserDoc, sessions: SessionIssuer): void {
  req.session = { jwt: sessions.keys.sign({ id: user.id, email: user.email }, sessions.ttlSeconds) };
}
