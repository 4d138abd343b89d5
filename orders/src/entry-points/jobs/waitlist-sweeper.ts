import { logger, PeriodicJob } from '@ticketing/common';
import { sweepWaitlist, WaitlistSweepResult } from '../../domain/waitlist-sweep';

/** Runs the waiting-list sweep (domain/waitlist-sweep) every intervalMs, one sweep at a time. */
export class WaitlistSweeper extends PeriodicJob {
  constructor(intervalMs: number) {
    super({
      intervalMs,
      pass: async () => {
        const result = await this.sweep();
        if (result.withdrawn) logger.warn(result, 'waitlist sweep withdrew offers a crash left behind');
        else if (result.expired || result.offered) logger.info(result, 'waitlist sweep');
      },
      failure: { level: 'error', message: 'waitlist sweep failed' },
    });
  }

  sweep(now = new Date()): Promise<WaitlistSweepResult> {
    return sweepWaitlist(now);
  }
}
