import { createServiceApp, EventBus } from '@ticketing/common';
import { ExpirationQueue, isRedisReady } from './data/expiration-queue';

/** No API: only GET /healthz and GET /readyz (Redis and the bus reachable). */
export const buildApp = (queue: ExpirationQueue, bus: EventBus) =>
  createServiceApp({
    routers: [],
    readiness: { redis: () => isRedisReady(queue), bus: () => bus.isConnected() },
  });
