import { logger } from '@ticketing/common';
import { MailSettings, MailTransport, sendDue } from '../../domain/mail';

/** The email outbox's sender: every `intervalMs`, sends what is due (domain/mail.ts), one round at a time. */
export class MailSender {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly transport: MailTransport,
    private readonly settings: MailSettings,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** One round now (tests and the first tick). */
  async runOnce(): Promise<void> {
    try {
      const counts = await sendDue(this.transport, this.settings);
      if (counts.sent || counts.failed) logger.info(counts, 'email outbox round');
    } catch (err) {
      logger.error({ err }, 'email outbox round failed; next round retries');
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }
}
