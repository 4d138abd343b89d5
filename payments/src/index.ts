// First: tracing must hook http, express, mongodb and ioredis before they load.
import '@ticketing/common/telemetry/register';
import { connectBus, eventTelemetry, connectMongo, connectRedis, OutboxRelay, RateLimits, redisReady, runService } from '@ticketing/common';
import { buildApp } from './app';
import { readConfig } from './config';
import { startListeners } from './entry-points/listeners';
import { KeptPayment } from './data/kept-payment';
import { Order } from './data/order';
import { OrderIntent } from './data/order-intent';
import { Payment } from './data/payment';
import { StripeEvent } from './data/stripe-event';
import { PaymentReconciler } from './entry-points/jobs/reconciler';
import { PayoutReleaser } from './entry-points/jobs/payout-releaser';
import { Payout } from './data/payout';
import { SellerAccount } from './data/seller-account';
import { Event } from './data/event';
import { CancelledEvent } from './data/cancelled-event';
import { createStripe } from './data/stripe';

void runService({
  name: 'payments',
  config: readConfig,
  start: async (config) => {
    await connectMongo(config.MONGO_URI);
    // The unique attempt key index must exist before the first payment.
    await Promise.all([
      Order.init(),
      Payment.init(),
      StripeEvent.init(),
      KeptPayment.init(),
      OrderIntent.init(),
      Payout.init(),
      SellerAccount.init(),
      Event.init(),
      CancelledEvent.init(),
    ]);
    const payouts = { holdSeconds: config.PAYOUT_HOLD_SECONDS, claimLeaseMs: config.PAYOUT_CLAIM_LEASE_MS };
    const bus = await connectBus(config, eventTelemetry);
    const stripe = createStripe(config);
    const redis = connectRedis(config);
    await redisReady(redis);
    await startListeners(bus, stripe, payouts);
    const relay = new OutboxRelay(bus, [Payment, Payout], { maxBacklog: config.OUTBOX_MAX_BACKLOG, busyWaitMs: config.OUTBOX_BUSY_WAIT_MS, publishWaitMs: config.OUTBOX_PUBLISH_WAIT_MS });
    relay.start();
    const reconciler = new PaymentReconciler(stripe);
    reconciler.start();
    const releaser = new PayoutReleaser(stripe, payouts, config.PAYOUT_RELEASE_INTERVAL_MS);
    releaser.start();
    return {
      app: buildApp(config, { stripe, bus, limits: new RateLimits(redis), webhookSecret: config.STRIPE_WEBHOOK_SECRET, outbox: relay.readiness }),
      bus,
      usesMongo: true,
      stoppers: [() => releaser.stop(), () => reconciler.stop(), () => relay.stop(), async () => void (await redis.quit())],
    };
  },
});
