import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { closeExpirationQueue, createExpirationQueue, ExpirationQueue } from '../data/expiration-queue';
import { EventData, OrderStatus, Subjects } from '@ticketing/common';
import { newId } from '@ticketing/common/testing';

/** The Redis the tests use: REDIS_HOST/REDIS_PORT as the services read them, else a local one. */
export const testRedis = {
  host: process.env.REDIS_HOST ?? '127.0.0.1',
  port: Number(process.env.REDIS_PORT ?? 6379),
};

/** A Bull key prefix of its own, so test files (and tests) never see each other's jobs. */
export const uniquePrefix = (name: string) => `test-${name}-${process.pid}-${randomBytes(4).toString('hex')}`;

/** A queue on the test Redis with quick retries. */
export function testQueue(prefix: string): ExpirationQueue {
  return createExpirationQueue({ redis: testRedis, prefix, retry: { baseMs: 100, maxMs: 400 } });
}

/** Removes the queue's keys and closes its connections. */
export async function disposeQueue(queue: ExpirationQueue): Promise<void> {
  try {
    await queue.obliterate({ force: true });
  } finally {
    await closeExpirationQueue(queue);
  }
}

/** Fails the test file at once, with what to do, when the test Redis is not there (rather than Bull waiting for it). */
export async function requireRedis(): Promise<void> {
  const client = new Redis({ ...testRedis, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    throw new Error(
      `Redis is not reachable at ${testRedis.host}:${testRedis.port} (${String(err)}); ` +
        'start it with `bash scripts/infra.sh start redis` or set REDIS_HOST/REDIS_PORT',
      { cause: err },
    );
  } finally {
    client.disconnect();
  }
}

/** order:created data as the orders service publishes it, expiring at `expiresAt`. */
export const orderCreated = (expiresAt: Date, id = newId()): EventData<Subjects.OrderCreated> => ({
  id,
  version: 0,
  status: OrderStatus.Created,
  userId: newId(),
  expiresAt: expiresAt.toISOString(),
  ticket: { id: newId(), price: 20 },
});
