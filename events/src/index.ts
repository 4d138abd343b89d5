// First: tracing must hook http, express, mongodb and ioredis before they load.
import '@ticketing/common/telemetry/register';
import { connectBus, eventTelemetry, connectMongo, OutboxRelay, runService } from '@ticketing/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { Event } from './data/event';

void runService({
  name: 'events',
  config: readConfig,
  start: async (config) => {
    await connectMongo(config.MONGO_URI);
    await Event.init();
    const bus = await connectBus(config, eventTelemetry);
    // Publishes what the routes staged in the events' outbox.
    const relay = new OutboxRelay(bus, [Event]);
    relay.start();
    return { app: buildApp(config, bus), bus, usesMongo: true, stoppers: [() => relay.stop()] };
  },
});
