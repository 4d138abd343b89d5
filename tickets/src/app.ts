import { createServiceApp, isMongoConnected, ReadinessCheck, SessionConfig } from '@ticketing/common';
import { createTicketRouter } from './routes/create';
import { listTicketsRouter } from './routes/list';
import { myTicketsRouter } from './routes/mine';
import { showTicketRouter } from './routes/show';
import { updateTicketRouter } from './routes/update';

export const buildApp = (config: SessionConfig, bus: { isConnected: ReadinessCheck }) =>
  createServiceApp({
    // /mine before /:id.
    routers: [myTicketsRouter, listTicketsRouter, showTicketRouter, createTicketRouter, updateTicketRouter],
    readiness: { mongo: isMongoConnected, bus: () => bus.isConnected() },
    session: { jwtKey: config.JWT_KEY, jwtKeys: config.JWT_KEYS, secureCookie: config.COOKIE_SECURE, ttlSeconds: config.JWT_TTL_SECONDS },
  });
