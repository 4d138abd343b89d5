// First: tracing must hook http, express, mongodb and ioredis before they load.
import '@ticketing/common/telemetry/register';
import { connectBus, connectMongo, connectRedis, eventTelemetry, logger, OutboxRelay, RateLimits, redisReady, runService } from '@ticketing/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { User } from './data/user';
import { announceEarlierUsers } from './domain/users';

void runService({
  name: 'auth',
  config: readConfig,
  start: async (config) => {
    await connectMongo(config.MONGO_URI);
    await User.init(); // the unique email index must exist before the first signup
    const bus = await connectBus(config, eventTelemetry);
    // Publishes the user:created that signups staged in the users' outbox.
    const relay = new OutboxRelay(bus, [User]);
    relay.start();
    // In the background: the routes need not wait; a start cut short leaves the rest to the next start.
    announceEarlierUsers().then(
      (staged) => staged && logger.info({ staged }, 'user:created staged for users who signed up before auth published it'),
      (err) => logger.error({ err }, 'user:created backfill failed; the next start goes on with it'),
    );
    const redis = connectRedis(config);
    await redisReady(redis);
    return {
      app: buildApp(config, new RateLimits(redis), bus),
      bus,
      usesMongo: true,
      stoppers: [() => relay.stop(), async () => void (await redis.quit())],
    };
  },
});
