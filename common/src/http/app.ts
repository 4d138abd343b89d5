import 'express-async-errors';
import cookieSession from 'cookie-session';
import express, { Express, Router } from 'express';
import { loadConfig, proxyConfig } from '../config';
import { NotFoundError } from '../errors';
import { currentUser } from '../middlewares/current-user';
import { errorHandler } from '../middlewares/error-handler';
import { requireJsonBody } from '../middlewares/require-json';
import { requestId, requestLogging } from '../middlewares/request-logging';
import { httpTelemetry } from '../telemetry/http';
import { methodNotAllowed } from './method-not-allowed';
import { routesOf } from './routes';
import { mountMetrics } from '../telemetry/metrics';
import { SessionKeys } from '../middlewares/session-keys';
import { securityHeaders } from './security-headers';

/** True when ready; false, or a string saying why, when not. */
export type ReadinessCheck = () => boolean | string | Promise<boolean | string>;

export interface ServiceAppOptions {
  routers: Router[];
  /**
   * Routers that read their own body (a signed webhook needs it raw): mounted
   * after request ids and logging, ahead of the JSON-only rule and parser.
   */
  rawBodyRouters?: Router[];
  /** What /readyz needs to be true (database, bus, ...). */
  readiness?: Record<string, ReadinessCheck>;
  /** Omit for services without sessions (expiration). */
  session?: { jwtKey: string; jwtKeys?: string; secureCookie: boolean; ttlSeconds?: number };
}

/** Is the process shutting down? Set by the graceful shutdown so /readyz fails first. */
export const lifecycle = { shuttingDown: false };

/** The Express app every service builds: same middlewares, health routes and error path. */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  // Behind TRUST_PROXY_HOPS proxies (default 1: ingress-nginx or the local
  // gateway): trust their X-Forwarded-* for secure cookies and the client
  // address, and nothing a client wrote further left in X-Forwarded-For
  // (per-address rate limits).
  app.set('trust proxy', loadConfig(proxyConfig).TRUST_PROXY_HOPS);
  // No ETags: every answer is per user or changes with the next write, and
  // no client of ours revalidates. Express's weak ETag hashed each body (SHA-1)
  // and turned it into a Buffer, which Node then writes apart from the
  // headers: two writes per answer instead of one.
  app.set('etag', false);
  // Security headers on every answer (helmet's: nosniff, CSP, frame-ancestors, HSTS, ...); hides x-powered-by too.
  app.use(securityHeaders());

  // The probes and /metrics: on the service's own port, never routed through the gateway.
  const probes = Router();
  probes.get('/healthz', (_req, res) => {
    res.send({ status: 'ok' });
  });
  probes.get('/readyz', async (_req, res) => {
    const checks: Record<string, boolean | string> = {};
    for (const [name, check] of Object.entries(options.readiness ?? {})) {
      checks[name] = await Promise.resolve()
        .then(check)
        .catch(() => false);
    }
    const ready = !lifecycle.shuttingDown && Object.values(checks).every((c) => c === true);
    res.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });
  mountMetrics(probes);
  const routers = [probes, ...(options.rawBodyRouters ?? []), ...options.routers];

  app.use(probes);

  app.use(httpTelemetry);
  app.use(requestId);
  app.use(requestLogging);
  app.use(methodNotAllowed(routesOf(routers)));
  for (const router of options.rawBodyRouters ?? []) app.use(router);
  app.use(requireJsonBody);
  app.use(express.json({ limit: '100kb' }));
  if (options.session) {
    app.use(
      cookieSession({
        name: 'session',
        // The JWT inside is signed; the cookie itself need not be.
        signed: false,
        httpOnly: true,
        sameSite: 'lax',
        secure: options.session.secureCookie,
        maxAge: (options.session.ttlSeconds ?? 86400) * 1000,
      }),
    );
    if (options.session.secureCookie) {
      // A request that reached us over plain http (no TLS at the proxy) cannot
      // carry a Secure cookie; cookie-session would throw, so send it without.
      app.use((req, _res, next) => {
        if (!req.secure && req.sessionOptions) req.sessionOptions.secure = false;
        next();
      });
    }
    app.use(currentUser(new SessionKeys({ JWT_KEY: options.session.jwtKey, JWT_KEYS: options.session.jwtKeys })));
  }
  for (const router of options.routers) app.use(router);
  app.all('*', () => {
    throw new NotFoundError();
  });
  app.use(errorHandler);
  return app;
}
