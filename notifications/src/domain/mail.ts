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
  batchSize: number;
}

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

export type SendOutcome = 'sent' | 'failed' | 'waiting' | 'taken';

/**
 * Sends one due email: claims it (a conditional write, so of concurrent
 * senders one sends), sends it, and marks it sent only from its own claim
 * (a second conditional write). A failure puts it back to pending with the
 * next back-off; an address not known yet (user:created on its way) waits
 * the same way.
 */
export async function sendOne(transport: MailTransport, n: NotificationDoc, settings: MailSettings, now = new Date()): Promise<SendOutcome> {
  const lapsed = new Date(now.getTime() - settings.claimMs);
  const claimed = await Notification.findOneAndUpdate(
    n.emailStatus === EmailStatus.Sending
      ? { _id: n._id, emailStatus: EmailStatus.Sending, emailClaimedAt: { $lt: lapsed } }
      : { _id: n._id, emailStatus: EmailStatus.Pending, emailDueAt: { $lte: now } },
    { $set: { emailStatus: EmailStatus.Sending, emailClaimedAt: now } },
    { new: true },
  );
  if (!claimed) return 'taken';
  const user = await User.findById(claimed.userId, { email: 1 }).lean<{ email: string }>();
  let error: string;
  if (user) {
    try {
      await transport.send(emailOf(claimed, user.email, settings.publicUrl));
      await Notification.updateOne(
        { _id: claimed._id, emailStatus: EmailStatus.Sending, emailClaimedAt: now },
        { $set: { emailStatus: EmailStatus.Sent, emailSentAt: new Date() }, $unset: { emailClaimedAt: 1, emailError: 1 } },
      );
      return 'sent';
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
      logger.warn({ err, notificationId: claimed.id, attempts: claimed.emailAttempts + 1 }, 'email not sent; retrying with back-off');
    }
  } else {
    error = 'no email address for the user yet';
  }
  const attempt = claimed.emailAttempts + 1;
  await Notification.updateOne(
    { _id: claimed._id, emailStatus: EmailStatus.Sending, emailClaimedAt: now },
    {
      $set: { emailStatus: EmailStatus.Pending, emailDueAt: new Date(Date.now() + backoffDelay({ ...settings.backoff, attempt })), emailError: error },
      $unset: { emailClaimedAt: 1 },
      $inc: { emailAttempts: 1 },
    },
  );
  return user ? 'failed' : 'waiting';
}

/** Sends what is due (pending and past its back-off, or a lapsed claim), oldest first; counts the outcomes. */
export async function sendDue(transport: MailTransport, settings: MailSettings, now = new Date()): Promise<Record<SendOutcome, number>> {
  const lapsed = new Date(now.getTime() - settings.claimMs);
  const [due, stuck] = await Promise.all([
    Notification.find({ emailStatus: EmailStatus.Pending, emailDueAt: { $lte: now } }).sort({ emailDueAt: 1 }).limit(settings.batchSize),
    Notification.find({ emailStatus: EmailStatus.Sending, emailClaimedAt: { $lt: lapsed } }).limit(settings.batchSize),
  ]);
  const counts: Record<SendOutcome, number> = { sent: 0, failed: 0, waiting: 0, taken: 0 };
  for (const n of [...due, ...stuck]) counts[await sendOne(transport, n, settings, now)] += 1;
  return counts;
}
