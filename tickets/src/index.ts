// First: tracing must hook http, express, mongodb and ioredis before they load.
import '@ticketing/common/telemetry/register';
import { connectBus, eventTelemetry, connectMongo, logger, OutboxRelay, runService } from '@ticketing/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { startListeners } from './entry-points/listeners';
import { Ticket } from './data/ticket';
import { upgradeVersionOneListings } from './domain/tickets';

void runService({
  name: 'tickets',
  config: readConfig,
  start: async (config) => {
    await connectMongo(config.MONGO_URI);
    await Ticket.init();
    const upgraded = await upgradeVersionOneListings(config.fees);
    if (upgraded) logger.info({ upgraded }, 'listings stored before version 2 given its fields');
    const bus = await connectBus(config, eventTelemetry);
    await startListeners(bus);
    // Publishes what routes and listeners staged in the tickets' outbox.
    const relay = new OutboxRelay(bus, [Ticket], { maxBacklog: config.OUTBOX_MAX_BACKLOG, busyWaitMs: config.OUTBOX_BUSY_WAIT_MS, publishWaitMs: config.OUTBOX_PUBLISH_WAIT_MS });
    relay.start();
    return { app: buildApp(config, bus, relay.readiness), bus, usesMongo: true, stoppers: [() => relay.stop()] };
  },
});
