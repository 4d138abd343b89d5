import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { connectRedis, redisReady } from '../rate-limit/redis';

export interface TestRedis {
  /** The connection (ready once beforeAll has run). */
  readonly client: Redis;
  /** A key namespace of this test file's own, so files sharing the one Redis never see each other's counters. */
  readonly namespace: string;
}

/**
 * Connects to the real Redis (REDIS_HOST/REDIS_PORT, as `npm test` sets them)
 * for one test file, and removes this file's keys afterwards.
 */
export function useTestRedis(): TestRedis {
  const namespace = `test-${process.pid}-${randomBytes(4).toString('hex')}`;
  const client = connectRedis({
    REDIS_HOST: process.env.REDIS_HOST || '127.0.0.1',
    REDIS_PORT: Number(process.env.REDIS_PORT || 6379),
  });
  beforeAll(() => redisReady(client));
  afterAll(async () => {
    const keys = await client.keys(`${namespace}*`);
    if (keys.length) await client.del(...keys);
    await client.quit();
  });
  return { client, namespace };
}
