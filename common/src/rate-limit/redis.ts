import Redis from 'ioredis';
import { RedisConfig } from '../config';
import { logger } from '../logger';

/**
 * The Redis connection for limits and counters. No offline queue: while Redis
 * is unreachable a command fails at once, and the limiters answer from their
 * in-process insurance instead of making requests wait.
 */
export function connectRedis(config: RedisConfig): Redis {
  const redis = new Redis({
    host: config.REDIS_HOST,
    port: config.REDIS_PORT,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: false,
  });
  let down = false;
  redis.on('error', (err) => {
    if (!down) logger.warn({ err: err.message }, 'redis unreachable: limits fall back to this process');
    down = true;
  });
  redis.on('ready', () => {
    if (down) logger.info('redis reachable again');
    down = false;
  });
  return redis;
}

/** Resolves once the connection is ready (or rejects after timeoutMs): start-up waits, so the first requests use Redis. */
export async function redisReady(redis: Redis, timeoutMs = 10000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
