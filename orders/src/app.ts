import { createServiceApp, EventBus, isMongoConnected, SessionConfig } from '@ticketing/common';
import { deleteOrderRouter } from './routes/delete';
import { indexOrderRouter } from './routes/index';
import { newOrderRouter } from './routes/new';
import { showOrderRouter } from './routes/show';

export type OrdersAppConfig = SessionConfig & { EXPIRATION_WINDOW_SECONDS: number };

export const buildApp = (config: OrdersAppConfig, bus: EventBus) =>
  createServiceApp({
    routers: [
      indexOrderRouter,
      newOrderRouter({ windowSeconds: config.EXPIRATION_WINDOW_SECONDS }),
      showOrderRouter,
      deleteOrderRouter,
    ],
    readiness: { mongo: isMongoConnected, bus: () => bus.isConnected() },
    session: { jwtKey: config.JWT_KEY, jwtKeys: config.JWT_KEYS, secureCookie: config.COOKIE_SECURE, ttlSeconds: config.JWT_TTL_SECONDS },
  });
