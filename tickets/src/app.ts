import { createServiceApp, FeeSettings, isMongoConnected, ReadinessCheck, SessionConfig } from '@ticketing/common';
import { PassKeys } from './domain/pass-codes';
import { passesRouter } from './entry-points/http/passes';
import { createTicketRouter } from './entry-points/http/create';
import { listTicketsRouter } from './entry-points/http/list';
import { myTicketsRouter } from './entry-points/http/mine';
import { showTicketRouter } from './entry-points/http/show';
import { updateTicketRouter } from './entry-points/http/update';

/**
 * `outbox`: the relay's readiness (false while its backlog is at its bound); `fees`: what listings' buyer fees are computed from;
 * `passKeys` sign and verify pass codes; `ADMIN_EMAILS` may admit at any gate.
 */
export const buildApp = (config: SessionConfig & { fees: FeeSettings; passKeys: PassKeys; ADMIN_EMAILS: readonly string[] }, bus: { isConnected: ReadinessCheck }, outbox?: ReadinessCheck) => {
  const app = createServiceApp({
    // /mine before /:id.
    routers: [myTicketsRouter, listTicketsRouter, showTicketRouter, createTicketRouter, updateTicketRouter, passesRouter(config.passKeys, config.ADMIN_EMAILS)],
    readiness: { mongo: isMongoConnected, bus: () => bus.isConnected(), ...(outbox ? { outbox } : {}) },
    session: { jwtKey: config.JWT_KEY, jwtKeys: config.JWT_KEYS, secureCookie: config.COOKIE_SECURE, ttlSeconds: config.JWT_TTL_SECONDS },
  });
  app.locals.fees = config.fees;
  return app;
};
