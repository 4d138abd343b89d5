// First: tracing must hook http, express, mongodb and ioredis before they load.
import '@ticketing/common/telemetry/register';
import { connectBus, connectMongo, eventTelemetry, logger, runService } from '@ticketing/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { EventReplica } from './data/event';
import { Listing } from './data/listing';
import { Notification } from './data/notification';
import { Order } from './data/order';
import { smtpTransport } from './data/smtp';
import { User } from './data/user';
import { Watch } from './data/watch';
import { LocalSenders } from './domain/mail';
import { notifierFor } from './domain/notify';
import { MailSender } from './entry-points/jobs/mail-sender';
import { startListeners } from './entry-points/listeners';

void runService({
  name: 'notifications',
  config: readConfig,
  start: async (config) => {
    await connectMongo(config.MONGO_URI);
    await Promise.all([Notification.init(), Watch.init(), User.init(), Order.init(), Listing.init(), EventReplica.init()]);
    const bus = await connectBus(config, eventTelemetry);
    // The listeners' notify hands each new email to this process's sender at once.
    const localSenders = new LocalSenders();
    await startListeners(bus, config.fees, notifierFor(localSenders));

    const transport = smtpTransport(config.SMTP_URL, config.MAIL_FROM, config.MAIL_CONCURRENCY);
    const sender = new MailSender(
      transport,
      {
        publicUrl: config.PUBLIC_URL,
        backoff: { baseMs: config.MAIL_RETRY_BASE_MS, maxMs: config.MAIL_RETRY_MAX_MS, jitter: true },
        claimMs: config.MAIL_CLAIM_SECONDS * 1000,
        batchSize: 50,
        concurrency: config.MAIL_CONCURRENCY,
      },
      config.MAIL_POLL_INTERVAL_MS,
      localSenders,
    );
    sender.start();
    logger.info({ smtp: new URL(config.SMTP_URL).host }, 'email outbox started');

    return { app: buildApp(config, bus), bus, usesMongo: true, stoppers: [() => sender.stop(), () => transport.close()] };
  },
});
