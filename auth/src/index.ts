// First: tracing must hook http, express, mongodb and ioredis before they load.
import '@ticketing/common/telemetry/register';
import { connectMongo, connectRedis, RateLimits, redisReady, runService } from '@ticketing/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { User } from './data/user';

void runService({
  name: 'auth',
  config: readConfig,
  start: async (config) => {
    await connectMongo(config.MONGO_URI);
    await User.init(); // the unique email index must exist before the first signup
    const redis = connectRedis(config);
    await redisReady(redis);
    return { app: buildApp(config, new RateLimits(redis)), usesMongo: true, stoppers: [async () => void (await redis.quit())] };
  },
});
