import { createServiceApp, isMongoConnected, ReadinessCheck, SessionConfig } from '@ticketing/common';
import { cancelEventRouter } from './entry-points/http/cancel';
import { createEventRouter } from './entry-points/http/create';
import { listEventsRouter } from './entry-points/http/list';
import { showEventRouter } from './entry-points/http/show';
import { updateEventRouter } from './entry-points/http/update';

export interface EventsAppConfig extends SessionConfig {
  /** Admins may cancel any event (lower-case emails). */
  ADMIN_EMAILS: readonly string[];
}

export const buildApp = (config: EventsAppConfig, bus: { isConnected: ReadinessCheck }) =>
  createServiceApp({
    routers: [listEventsRouter, showEventRouter, createEventRouter, updateEventRouter, cancelEventRouter(config.ADMIN_EMAILS)],
    readiness: { mongo: isMongoConnected, bus: () => bus.isConnected() },
    session: { jwtKey: config.JWT_KEY, jwtKeys: config.JWT_KEYS, secureCookie: config.COOKIE_SECURE, ttlSeconds: config.JWT_TTL_SECONDS },
  });
