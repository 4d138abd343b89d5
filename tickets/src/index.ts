// First: tracing must hook http, express, mongodb and ioredis before they load.
import '@ticketing/common/telemetry/register';
import { connectBus, eventTelemetry, connectMongo, logger, OutboxRelay, runService } from '@ticketing/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { startListeners } from './entry-points/listeners';
import { Pass, PassOutcome } from './data/pass';
import { Ticket } from './data/ticket';
import { User } from './data/user';
import { PassKeys } from './domain/pass-codes';
import { upgradeVersionOneListings } from './domain/tickets';

void runService({
  name: 'tickets',
  config: readConfig,
  start: async (config) => {
    await connectMongo(config.MONGO_URI);
    await Ticket.init();
    await Promise.all([Pass.init(), PassOutcome.init(), User.init()]);
    const passKeys = new PassKeys(config);
    const upgraded = await upgradeVersionOneListings(config.fees);
    if (upgraded) logger.info({ upgraded }, 'listings stored before version 2 given its fields');
    const bus = await connectBus(config, eventTelemetry);
    await startListeners(bus, passKeys);
    // Publishes what routes and listeners staged in the outboxes of listings and passes.
    const relay = new OutboxRelay(bus, [Ticket, Pass], { maxBacklog: config.OUTBOX_MAX_BACKLOG, busyWaitMs: config.OUTBOX_BUSY_WAIT_MS, publishWaitMs: config.OUTBOX_PUBLISH_WAIT_MS });
    relay.start();
    return { app: buildApp({ ...config, passKeys }, bus, relay.readiness), bus, usesMongo: true, stoppers: [() => relay.stop()] };
  },
});
