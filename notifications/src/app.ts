import { createServiceApp, isMongoConnected, ReadinessCheck, SessionConfig } from '@ticketing/common';
import { inboxRouter } from './entry-points/http/inbox';
import { watchesRouter } from './entry-points/http/watches';

export const buildApp = (config: SessionConfig, bus: { isConnected: ReadinessCheck }) =>
  createServiceApp({
    routers: [inboxRouter, watchesRouter],
    readiness: { mongo: isMongoConnected, bus: () => bus.isConnected() },
    session: { jwtKey: config.JWT_KEY, jwtKeys: config.JWT_KEYS, secureCookie: config.COOKIE_SECURE, ttlSeconds: config.JWT_TTL_SECONDS },
  });
