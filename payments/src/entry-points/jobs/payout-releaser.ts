import { logger } from '@ticketing/common';
import Stripe from 'stripe';
import { PayoutSettings, releasePayouts } from '../../domain/payouts';

/**
 * Runs the payout release (domain/payouts.ts: releasePayouts) every
 * intervalMs, one run at a time per process. The schedule is the database
 * (pending payouts by {status, releaseAt}), so it survives restarts, and any
 * number of replicas may run it: each payout is claimed before Stripe is called.
 */
export class PayoutReleaser {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly stripe: Stripe,
    private readonly settings: PayoutSettings,
    private readonly intervalMs = 30000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = releasePayouts(this.stripe, this.settings)
        .then(({ paid, waiting }) => {
          if (paid > 0 || waiting > 0) logger.info({ paid, waiting }, 'payouts released');
        })
        .catch((err) => logger.warn({ err }, 'payout release failed; will retry'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
