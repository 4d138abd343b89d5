import { RequestHandler } from 'express';
import { UnsupportedMediaTypeError } from '../errors';

const JSON_TYPE = /^application\/json\s*(;|$)/i;
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * State-changing requests must say `Content-Type: application/json`. A
 * cross-site HTML form can only send urlencoded, multipart or text/plain
 * bodies, so together with SameSite=Lax cookies this closes form-post CSRF.
 * A request with neither a body nor a type (a DELETE, a sign-out) needs
 * none: a form always names its type, even with no fields.
 */
export const requireJsonBody: RequestHandler = (req, _res, next) => {
  if (!STATE_CHANGING.has(req.method)) return next();
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  const type = req.headers['content-type'];
  if (!hasBody && type === undefined) return next();
  if (req.method === 'DELETE' && !hasBody) return next();
  if (!JSON_TYPE.test(type ?? '')) throw new UnsupportedMediaTypeError();
  next();
};
