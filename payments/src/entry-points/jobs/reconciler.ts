import { logger } from '@ticketing/common';
import Stripe from 'stripe';
import { reconcile } from '../../domain/reconciliation';

/** Runs the reconciliation (domain/reconciliation) every intervalMs, one run at a time. */
export class PaymentReconciler {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly stripe: Stripe,
    private readonly intervalMs = 30000,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = reconcile(this.stripe)
        .catch((err) => logger.warn({ err }, 'payment reconciliation failed; will retry'))
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
