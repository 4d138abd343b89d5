import { logger, PeriodicJob } from '@ticketing/common';
import Stripe from 'stripe';
import { PayoutSettings, releasePayouts } from '../../domain/payouts';

/**
 * Runs the payout release (domain/payouts.ts: releasePayouts) every
 * intervalMs, one run at a time per process. The schedule is the database
 * (pending payouts by {status, releaseAt}), so it survives restarts, and any
 * number of replicas may run it: each payout is claimed before Stripe is called.
 */
export class PayoutReleaser extends PeriodicJob {
  constructor(stripe: Stripe, settings: PayoutSettings, intervalMs = 30000) {
    super({
      intervalMs,
      pass: async () => {
        const { paid, waiting } = await releasePayouts(stripe, settings);
        if (paid > 0 || waiting > 0) logger.info({ paid, waiting }, 'payouts released');
      },
      failure: { level: 'warn', message: 'payout release failed; will retry' },
    });
  }
}
