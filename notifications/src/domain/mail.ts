import { backoffDelay, Backoff, logger } from '@ticketing/common';
import { EmailStatus, Notification, NotificationDoc } from '../data/notification';
import { User } from '../data/user';

/** One email as the outbox hands it to the SMTP client. */
export interface Email {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Stable per notification: a receiver that sees it twice can tell. */
  messageId: string;
}

/** What sends mail (nodemailer over SMTP in the service; a recorder in tests). */
export interface MailTransport {
  send(email: Email): Promise<void>;
}

export interface MailSettings {
  from?: string;
  /** The site's origin: links are made absolute with it. */
  publicUrl: string;
  backoff: Backoff;
  /** A claim older than this is taken over (its sender died mid-send). */
  claimMs: number;
  /** Due emails a pass reads at most (and a sender keeps queued at most). */
  batchSize: number;
  /** Emails a sender has at the SMTP server at once. */
  concurrency: number;
}

/** What an email is made from and claimed by: a notification's own fields and its outbox state as last seen. */
export type OutgoingEmail = Pick<NotificationDoc, '_id' | 'userId' | 'subject' | 'message' | 'link' | 'emailStatus' | 'emailAttempts'>;

const OUTGOING_FIELDS = { userId: 1, subject: 1, message: 1, link: 1, emailStatus: 1, emailAttempts: 1 } as const;

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The plain-text and HTML bodies of a notification's email, with the link to its page. */
export function emailOf(n: Pick<NotificationDoc, 'id' | 'subject' | 'message' | 'link'>, to: string, publicUrl: string): Email {
  const url = new URL(n.link ?? '/notifications', publicUrl).toString();
  return {
    to,
    subject: n.subject,
    text: `${n.message}\n\nOpen it: ${url}\n\n— Ticketing`,
    html:
      `<!doctype html><html><body style="font-family:sans-serif">` +
      `<p>${escapeHtml(n.message)}</p>` +
      `<p><a href="${escapeHtml(url)}">Open it on Ticketing</a></p>` +
      `<p style="color:#555">— Ticketing</p></body></html>`,
    messageId: `<notification-${String(n.id)}@ticketing.dev>`,
  };
}

/** Addresses a limit of them at a time: most emails go to people written to a moment ago. */
const ADDRESSES_KEPT = 10_000;

/**
 * Users' addresses as this sender last read them. An address never changes
 * here (user:created is the only fact about a user), so what was read once
 * stands; an address not there yet is read again next time.
 */
export class AddressBook {
  private readonly known = new Map<string, string>();

  async of(userId: string): Promise<string | undefined> {
    const kept = this.known.get(userId);
    if (kept !== undefined) return kept;
    const user = await User.findById(userId, { email: 1 }).lean<{ email: string }>();
    if (!user) return undefined;
    if (this.known.size >= ADDRESSES_KEPT) this.known.delete(this.known.keys().next().value!);
    this.known.set(userId, user.email);
    return user.email;
  }
}

/** A place at a sender of this process with room now: the email is claimed in its own insert and handed over once stored. */
export interface SendSlot {
  /** When the claim written in the insert was taken. */
  claimedAt: Date;
  /** The email is stored, claimed: send it. */
  hand(email: OutgoingEmail): void;
  /** It was not stored (a repeated fact, a failed write): the place is free again. */
  release(): void;
}

/** What a sender of this process offers: a place now, or a wake-up when an email was staged unclaimed. */
export interface LocalSender {
  reserve(): SendSlot | undefined;
  wake(email: OutgoingEmail): void;
}

/**
 * The senders of one process, which take a notification's email the moment
 * it is stored (index.ts makes one for the listeners' notify and the sender).
 */
export class LocalSenders {
  private readonly senders = new Set<LocalSender>();

  /** Lets `sender` take the emails staged from now on; returns the function that stops it. */
  add(sender: LocalSender): () => void {
    this.senders.add(sender);
    return () => this.senders.delete(sender);
  }

  /** A place at a sender with room now (the email is then claimed in its insert), if any. */
  reserve(): SendSlot | undefined {
    for (const sender of this.senders) {
      const slot = sender.reserve();
      if (slot) return slot;
    }
    return undefined;
  }

  /** An email was staged unclaimed (no sender had room): the senders may queue it at once. */
  staged(email: OutgoingEmail): void {
    for (const sender of this.senders) sender.wake(email);
  }
}

export type SendOutcome = 'sent' | 'failed' | 'waiting' | 'taken';

/**
 * Claims an email as last seen (a conditional write, so of concurrent senders
 * one claims it): pending and due, or a claim lapsed, with the attempts seen,
 * so that the fields in hand are the email's own. True when this call holds it.
 */
async function claim(n: OutgoingEmail, settings: MailSettings, now: Date): Promise<boolean> {
  const lapsed = new Date(now.getTime() - settings.claimMs);
  const claimed = await Notification.updateOne(
    n.emailStatus === EmailStatus.Sending
      ? { _id: n._id, emailStatus: EmailStatus.Sending, emailClaimedAt: { $lt: lapsed }, emailAttempts: n.emailAttempts }
      : { _id: n._id, emailStatus: EmailStatus.Pending, emailDueAt: { $lte: now }, emailAttempts: n.emailAttempts },
    { $set: { emailStatus: EmailStatus.Sending, emailClaimedAt: now } },
  );
  return claimed.modifiedCount === 1;
}

/**
 * Sends one due email: claims it (unless `claimedAt` says its insert did),
 * sends it, and marks it sent only from its own claim (a second conditional
 * write). A failure puts it back to pending with the next back-off; an
 * address not known yet (user:created on its way) waits the same way.
 */
export async function sendOne(
  transport: MailTransport,
  n: OutgoingEmail,
  settings: MailSettings,
  now = new Date(),
  addresses = new AddressBook(),
  claimedAt?: Date,
): Promise<SendOutcome> {
  // The address is read beside the claim: a claim is seldom lost, and the email goes out one round trip sooner.
  const [claimed, address] = await Promise.all([claimedAt ? true : claim(n, settings, now), addresses.of(n.userId)]);
  if (!claimed) return 'taken';
  const mine = { _id: n._id, emailStatus: EmailStatus.Sending, emailClaimedAt: claimedAt ?? now };
  let error: string;
  if (address !== undefined) {
    try {
      await transport.send(emailOf({ id: String(n._id), subject: n.subject, message: n.message, link: n.link }, address, settings.publicUrl));
      await Notification.updateOne(mine, { $set: { emailStatus: EmailStatus.Sent, emailSentAt: new Date() }, $unset: { emailClaimedAt: 1, emailError: 1 } });
      return 'sent';
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      logger.warn({ err, notificationId: String(n._id), attempts: n.emailAttempts + 1 }, 'email not sent; retrying with back-off');
    }
  } else {
    error = 'no email address for the user yet';
  }
  const attempt = n.emailAttempts + 1;
  await Notification.updateOne(mine, {
    $set: { emailStatus: EmailStatus.Pending, emailDueAt: new Date(Date.now() + backoffDelay({ ...settings.backoff, attempt })), emailError: error },
    $unset: { emailClaimedAt: 1 },
    $inc: { emailAttempts: 1 },
  });
  return address !== undefined ? 'failed' : 'waiting';
}

/** What is due at `now` (pending and past its back-off, or a lapsed claim), oldest first, at most `limit`, but for the ids `except`. */
export async function dueEmails(settings: MailSettings, now: Date, limit: number, except: string[] = []): Promise<OutgoingEmail[]> {
  const lapsed = new Date(now.getTime() - settings.claimMs);
  return Notification.find({
    ...(except.length ? { _id: { $nin: except } } : {}),
    $or: [
      { emailStatus: EmailStatus.Pending, emailDueAt: { $lte: now } },
      { emailStatus: EmailStatus.Sending, emailClaimedAt: { $lt: lapsed } },
    ],
  })
    .sort({ emailDueAt: 1 })
    .limit(limit)
    .select(OUTGOING_FIELDS)
    .lean<OutgoingEmail[]>();
}

export const noOutcomes = (): Record<SendOutcome, number> => ({ sent: 0, failed: 0, waiting: 0, taken: 0 });

/** Runs `work` on every item, at most `limit` at once, in the items' order. */
export async function eachAtMost<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** One pass: sends what is due, `settings.concurrency` emails at once, oldest first; counts the outcomes. */
export async function sendDue(transport: MailTransport, settings: MailSettings, now = new Date(), addresses = new AddressBook()): Promise<Record<SendOutcome, number>> {
  const counts = noOutcomes();
  await eachAtMost(await dueEmails(settings, now, settings.batchSize), settings.concurrency, async (n) => {
    counts[await sendOne(transport, n, settings, now, addresses)] += 1;
  });
  return counts;
}
