import { Request } from 'express';
import type { SessionIssuer } from '../../app';
import { UserDoc } from '../../data/user';

/** Puts a signed (HS256, with key id, issuer and audience), expiring JWT for the user in the cookie session. */
export function startSession(req: Request, user: UserDoc, sessions: SessionIssuer): void {
  req.session = { jwt: sessions.keys.sign({ id: user.id, email: user.email }, sessions.ttlSeconds) };
}
