import { logger } from '@ticketing/common';
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
export class OrderSweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly batchSize: number;

  constructor(private readonly options: OrderSweeperOptions) {
    this.batchSize = options.batchSize ?? 100;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .then((result) => {
          if (result.cancelled || result.released) logger.warn(result, 'order sweep repaired stale orders');
        })
        .catch((err) => logger.error({ err }, 'order sweep failed'))
        .finally(() => {
          this.running = undefined;
        });
    }, this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  sweep(now = new Date()): Promise<SweepResult> {
    return sweepOrders(this.options.holds, { graceMs: this.options.graceMs, batchSize: this.batchSize }, now);
  }
}
