import type { Logger } from 'pino';
import { logger as serviceLogger } from '../logger';

export interface PeriodicJobOptions {
  /** The time between two ticks; a tick that finds the last pass still running is skipped. */
  intervalMs: number;
  /** One pass of the job; what it found is its own to log. */
  pass: () => Promise<unknown>;
  /** How a pass that throws is logged (the error as `err`); the next tick runs regardless. */
  failure: { level: 'warn' | 'error'; message: string };
  /** Where failures go (default: the service's logger). */
  logger?: Pick<Logger, 'warn' | 'error'>;
}

/**
 * Runs `pass` every intervalMs, one pass at a time per instance, on a timer
 * that does not keep the process alive. stop() ends the ticks and waits for a
 * pass in progress, so a service shuts down only once its job is quiet.
 */
export class PeriodicJob {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(private readonly options: PeriodicJobOptions) {}

  start(): void {
    if (this.timer) return;
    const { intervalMs, pass, failure, logger = serviceLogger } = this.options;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = Promise.resolve()
        .then(pass)
        .then(
          () => undefined,
          (err: unknown) => logger[failure.level]({ err }, failure.message),
        )
        .finally(() => {
          this.running = undefined;
        });
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
