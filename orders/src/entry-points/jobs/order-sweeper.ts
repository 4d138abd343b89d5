import { logger, PeriodicJob } from '@ticketing/common';
import { HoldLimit } from '../../domain/hold-limit';
import { SweepResult, sweepOrders } from '../../domain/order-sweep';

export interface OrderSweeperOptions {
  intervalMs: number;
  /** How long past expiresAt an order waits for expiration:complete before the sweep steps in. */
  graceMs: number;
  batchSize?: number;
  /** Where a cancelled order's hold is released. */
  holds: HoldLimit;
}

/** Runs the order sweep (domain/order-sweep) every intervalMs, one sweep at a time. */
export class OrderSweeper extends PeriodicJob {
  private readonly batchSize: number;

  constructor(private readonly settings: OrderSweeperOptions) {
    super({
      intervalMs: settings.intervalMs,
      pass: async () => {
        const result = await this.sweep();
        if (result.cancelled || result.released) logger.warn(result, 'order sweep repaired stale orders');
      },
      failure: { level: 'error', message: 'order sweep failed' },
    });
    this.batchSize = settings.batchSize ?? 100;
  }

  sweep(now = new Date()): Promise<SweepResult> {
    return sweepOrders(this.settings.holds, { graceMs: this.settings.graceMs, batchSize: this.batchSize }, now);
  }
}
