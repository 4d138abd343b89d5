import 'express-async-errors';
import cookieSession from 'cookie-session';
import express, { Express, Router } from 'express';
import { NotFoundError } from '../errors';
import { currentUser } from '../middlewares/current-user';
import { errorHandler } from '../middlewares/error-handler';
import { requestId, requestLogging } from '../middlewares/request-logging';
import { httpTelemetry } from '../telemetry/http';
import { mountMetrics } from '../telemetry/metrics';

export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface ServiceAppOptions {
  routers: Router[];
  /** What /readyz needs to be true (database, bus, ...). */
  readiness?: Record<string, ReadinessCheck>;
  /** Omit for services without sessions (expiration). */
  session?: { jwtKey: string; secureCookie: boolean; ttlSeconds?: number };
}

/** Is the process shutting down? Set by the graceful shutdown so /readyz fails first. */
export const lifecycle = { shuttingDown: false };

/** The Express app every service builds: same middlewares, health routes and error path. */
export function createServiceApp(options: ServiceAppOptions): Express {
  const app = express();
  // Behind ingress-nginx or the local gateway: trust X-Forwarded-* for secure cookies.
  app.set('trust proxy', true);
  app.disable('x-powered-by');

  app.get('/healthz', (_req, res) => {
    res.send({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, boolean> = {};
    for (const [name, check] of Object.entries(options.readiness ?? {})) {
      checks[name] = await Promise.resolve()
        .then(check)
        .catch(() => false);
    }
    const ready = !lifecycle.shuttingDown && Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', checks });
  });

  mountMetrics(app);

  app.use(httpTelemetry);
  app.use(requestId);
  app.use(requestLogging);
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
    app.use(currentUser(options.session.jwtKey));
  }
  for (const router of options.routers) app.use(router);
  app.all('*', () => {
    throw new NotFoundError();
  });
  app.use(errorHandler);
  return app;
}
