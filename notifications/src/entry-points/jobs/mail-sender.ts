import { logger } from '@ticketing/common';
import { AddressBook, dueEmails, LocalSender, LocalSenders, MailSettings, MailTransport, noOutcomes, OutgoingEmail, SendSlot, sendOne } from '../../domain/mail';

/**
 * The email outbox's sender (domain/mail.ts does the claiming and sending):
 * `settings.concurrency` emails at the SMTP server at once. An email staged
 * in this process while there is room is claimed in its own insert and sent
 * at once; else it joins a queue at once (the wake-up), which a poll every
 * `intervalMs` also fills with what else is due (retries, lapsed claims,
 * other processes' emails, emails staged while no sender ran). The queue
 * holds at most `settings.batchSize`: the rest waits in the database.
 */
export class MailSender implements LocalSender {
  private readonly queue: OutgoingEmail[] = [];
  /** Ids queued or being sent here: a poll does not queue them twice. */
  private readonly held = new Set<string>();
  private readonly addresses = new AddressBook();
  private outcomes = noOutcomes();
  private sending = 0;
  private idle: Array<() => void> = [];
  private timer?: NodeJS.Timeout;
  private polling?: Promise<void>;
  private unsubscribe?: () => void;
  private stopped = true;

  constructor(
    private readonly transport: MailTransport,
    private readonly settings: MailSettings,
    private readonly intervalMs: number,
    /** This process's senders: the notify of its listeners hands them emails as they are stored. */
    private readonly local: LocalSenders,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.unsubscribe = this.local.add(this);
    this.tick();
  }

  /** A started sender: one poll now, and until what it queued (and what was queued before) is sent (tests). */
  async runOnce(): Promise<void> {
    await this.poll();
    await this.drained();
  }

  /** Stops taking emails; resolves once the ones being sent are done (the queued ones stay pending in the database). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
    await this.polling;
    await this.drained();
    this.held.clear();
  }

  /** Emails at the SMTP server now (tests). */
  get inFlight(): number {
    return this.sending;
  }

  reserve(): SendSlot | undefined {
    if (this.stopped || this.sending + this.queue.length >= this.settings.concurrency) return undefined;
    this.sending += 1;
    const claimedAt = new Date();
    let settled = false;
    const settle = (email?: OutgoingEmail) => {
      if (settled) return;
      settled = true;
      if (email) this.held.add(String(email._id));
      void (email ? this.send(email, claimedAt) : Promise.resolve()).finally(() => this.done(email));
    };
    return { claimedAt, hand: (email) => settle(email), release: () => settle() };
  }

  wake(email: OutgoingEmail): void {
    this.offer(email);
  }

  private offer(email: OutgoingEmail): void {
    const id = String(email._id);
    if (this.stopped || this.held.has(id) || this.queue.length >= this.settings.batchSize) return;
    this.held.add(id);
    this.queue.push(email);
    this.pump();
  }

  private pump(): void {
    while (!this.stopped && this.sending < this.settings.concurrency && this.queue.length > 0) {
      const email = this.queue.shift()!;
      this.sending += 1;
      void this.send(email).finally(() => this.done(email));
    }
  }

  /** A place is free again (its email sent, put back, or never stored). */
  private done(email?: OutgoingEmail): void {
    this.sending -= 1;
    if (email) this.held.delete(String(email._id));
    this.pump();
    if (this.sending === 0 && this.queue.length === 0) for (const idle of this.idle.splice(0)) idle();
  }

  private async send(email: OutgoingEmail, claimedAt?: Date): Promise<void> {
    try {
      this.outcomes[await sendOne(this.transport, email, this.settings, new Date(), this.addresses, claimedAt)] += 1;
    } catch (err) {
      logger.error({ err, notificationId: String(email._id) }, 'email not sent; a later poll retries');
    }
  }

  private drained(): Promise<void> {
    if (this.sending === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Queues what is due and not held here already (up to the queue's room); one poll at a time. */
  private poll(): Promise<void> {
    this.polling ??= this.pollOnce().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async pollOnce(): Promise<void> {
    try {
      const room = this.settings.batchSize - this.queue.length;
      if (room > 0) for (const email of await dueEmails(this.settings, new Date(), room, [...this.held])) this.offer(email);
    } catch (err) {
      logger.error({ err }, 'email outbox poll failed; the next poll retries');
    }
    const { sent, failed } = this.outcomes;
    if (sent || failed) logger.info(this.outcomes, 'email outbox since the last poll');
    this.outcomes = noOutcomes();
  }

  private tick(): void {
    if (this.stopped) return;
    void this.poll().finally(() => {
      if (this.stopped) return;
      this.timer = setTimeout(() => this.tick(), this.intervalMs);
      this.timer.unref();
    });
  }
}
