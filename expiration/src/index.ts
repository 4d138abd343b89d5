// First: tracing must hook http, express, mongodb and ioredis before they load.
import '@ticketing/common/telemetry/register';
import { connectBus, eventTelemetry, runService } from '@ticketing/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { startListeners } from './entry-points/listeners';
import { closeExpirationQueue, createExpirationQueue } from './data/expiration-queue';
import { processExpirations } from './entry-points/jobs/fire-expirations';

void runService({
  name: 'expiration',
  config: readConfig,
  start: async (config) => {
    const bus = await connectBus(config, eventTelemetry);
    const queue = createExpirationQueue({ redis: { host: config.REDIS_HOST, port: config.REDIS_PORT } });
    await queue.isReady();
    processExpirations(queue, bus);
    await startListeners(bus, queue);
    return {
      app: buildApp(queue, bus),
      bus,
      // Before the bus drains: running jobs finish their publish, nothing new starts.
      stoppers: [() => closeExpirationQueue(queue)],
    };
  },
});
