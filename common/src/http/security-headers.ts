import type { RequestHandler } from 'express';
import helmet, { HelmetOptions } from 'helmet';

type HeaderValue = string | number | readonly string[];
type HeaderWrite = readonly [name: string, value: HeaderValue | undefined];

/**
 * Helmet's security headers (CSP, HSTS, nosniff, frame-ancestors, ...),
 * computed once: helmet runs a dozen middlewares per request and rebuilds the
 * CSP string each time, though with static options (no per-request directive
 * functions, e.g. nonces, which this must not be given) every answer gets the
 * same headers. Helmet is run once against a recording response at start, and
 * each request replays what it set and removed (x-powered-by).
 */
export function securityHeaders(options?: HelmetOptions): RequestHandler {
  const writes: HeaderWrite[] = [];
  const recorder = {
    setHeader: (name: string, value: HeaderValue) => void writes.push([name, value]),
    removeHeader: (name: string) => void writes.push([name, undefined]),
  };
  let done = false;
  helmet(options)({} as never, recorder as never, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('helmet did not finish synchronously: its headers cannot be computed once');
  return (_req, res, next) => {
    for (const [name, value] of writes) {
      if (value === undefined) res.removeHeader(name);
      else res.setHeader(name, value);
    }
    next();
  };
}
