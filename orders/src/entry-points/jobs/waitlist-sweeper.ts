import { logger } from '@ticketing/common';
import { sweepWaitlist, WaitlistSweepResult } from '../../domain/waitlist-sweep';

/** Runs the waiting-list sweep (domain/waitlist-sweep) every intervalMs, one sweep at a time. */
export class WaitlistSweeper {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(private readonly intervalMs: number) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.sweep()
        .then((result) => {
          if (result.withdrawn) logger.warn(result, 'waitlist sweep withdrew offers a crash left behind');
          else if (result.expired || result.offered) logger.info(result, 'waitlist sweep');
        })
        .catch((err) => logger.error({ err }, 'waitlist sweep failed'))
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

  sweep(now = new Date()): Promise<WaitlistSweepResult> {
    return sweepWaitlist(now);
  }
}
