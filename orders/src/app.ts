import { createServiceApp, EventBus, FeeSettings, isMongoConnected, MINUTE, RateLimitConfig, ReadinessCheck, RateLimits, SessionConfig } from '@ticketing/common';
import { Router } from 'express';
import { deleteOrderRouter } from './entry-points/http/delete';
import { listOrdersRouter } from './entry-points/http/list';
import { newOrderRouter } from './entry-points/http/new';
import { showOrderRouter } from './entry-points/http/show';
import { waitlistRouter } from './entry-points/http/waitlist';
import { HoldLimit, HoldLimitSettings } from './domain/hold-limit';

export type OrdersAppConfig = SessionConfig &
  HoldLimitSettings &
  Pick<RateLimitConfig, 'ORDERS_PER_USER_PER_MINUTE'> & { EXPIRATION_WINDOW_SECONDS: number; fees: FeeSettings };

/**
 * Redis-backed limits: the per-user request limit and the hold limit (under
 * one key namespace). The hold limit is the one the listeners and the sweep
 * of this process were given, so every place where an order ends releases
 * its hold in it.
 */
export interface OrdersLimits {
  limits: RateLimits;
  holds: HoldLimit;
  /** The outbox relay's readiness (false while its backlog is at its bound). */
  outbox?: ReadinessCheck;
}

export const buildApp = (config: OrdersAppConfig, bus: EventBus, { limits, holds, outbox }: OrdersLimits) => {
  const perUser = Router().post('/api/orders', limits.perUser('orders', { points: config.ORDERS_PER_USER_PER_MINUTE, windowSeconds: MINUTE }));
  return createServiceApp({
    routers: [
      listOrdersRouter,
      perUser,
      newOrderRouter({ windowSeconds: config.EXPIRATION_WINDOW_SECONDS, holds, fees: config.fees }),
      showOrderRouter,
      deleteOrderRouter(holds),
      waitlistRouter,
    ],
    readiness: { mongo: isMongoConnected, bus: () => bus.isConnected(), ...(outbox ? { outbox } : {}) },
    session: { jwtKey: config.JWT_KEY, jwtKeys: config.JWT_KEYS, secureCookie: config.COOKIE_SECURE, ttlSeconds: config.JWT_TTL_SECONDS },
  });
};
