// First: tracing must hook http, express, mongodb and ioredis before they load.
import '@ticketing/common/telemetry/register';
import { connectBus, eventTelemetry, connectMongo, connectRedis, logger, OutboxRelay, RateLimits, redisReady, runService } from '@ticketing/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { startListeners } from './entry-points/listeners';
import { Order } from './data/order';
import { Ticket, upgradeVersion1Replicas } from './data/ticket';
import { EventReplica } from './data/event';
import { HoldLimit } from './domain/hold-limit';
import { OrderSweeper } from './entry-points/jobs/order-sweeper';
import { WaitlistSweeper } from './entry-points/jobs/waitlist-sweeper';
import { WaitlistEntry } from './data/waitlist';
import { waitlistSettings } from './domain/waitlist-offers';

void runService({
  name: 'orders',
  config: readConfig,
  start: async (config) => {
    await connectMongo(config.MONGO_URI);
    await Promise.all([Order.init(), Ticket.init(), EventReplica.init(), WaitlistEntry.init()]);
    waitlistSettings.offerSeconds = config.WAITLIST_OFFER_SECONDS;
    // Before any listener or route writes a replica: the seat counter replaces version 1's reservation fields.
    const upgraded = await upgradeVersion1Replicas();
    if (upgraded) logger.info({ upgraded }, 'ticket replicas given a seat counter');
    const bus = await connectBus(config, eventTelemetry);
    const redis = connectRedis(config);
    await redisReady(redis);

    // One hold limit for every place an order starts or ends: the routes, the listeners and the sweep.
    const holds = new HoldLimit(redis, config);
    await startListeners(bus, holds);

    const relay = new OutboxRelay(bus, [Order, WaitlistEntry], { maxBacklog: config.OUTBOX_MAX_BACKLOG, busyWaitMs: config.OUTBOX_BUSY_WAIT_MS, publishWaitMs: config.OUTBOX_PUBLISH_WAIT_MS });
    relay.start();
    const sweeper = new OrderSweeper({
      intervalMs: config.ORDER_SWEEP_INTERVAL_MS,
      graceMs: config.ORDER_SWEEP_GRACE_SECONDS * 1000,
      holds,
    });
    sweeper.start();
    const waitlistSweeper = new WaitlistSweeper(config.WAITLIST_SWEEP_INTERVAL_MS);
    waitlistSweeper.start();

    return {
      app: buildApp(config, bus, { limits: new RateLimits(redis), holds, outbox: relay.readiness }),
      bus,
      usesMongo: true,
      stoppers: [() => waitlistSweeper.stop(), () => sweeper.stop(), () => relay.stop(), async () => void (await redis.quit())],
    };
  },
});
