import { isDuplicateKey } from '@ticketing/common';
import { EmailStatus, Notification } from '../data/notification';
import { Facts, KINDS, NotificationKind } from './kinds';
import { LocalSenders } from './mail';

/**
 * Records that `userId` is told of the fact `key` (its email staged in the
 * same write); the unique (userId, kind, key) index makes a second call for
 * the same fact, redelivered or racing, a no-op. True when this call created
 * it.
 */
export type Notify = (userId: string, kind: NotificationKind, key: string, facts: Facts) => Promise<boolean>;

/**
 * notify for a process whose senders are `local`: a notification's email goes
 * to one of them at once (claimed in the insert when one has room, else
 * queued by the wake-up). Without senders it waits for a sender's poll.
 */
export const notifierFor =
  (local?: LocalSenders): Notify =>
  (userId, kind, key, facts) =>
    notifyWith(local, userId, kind, key, facts);

async function notifyWith(local: LocalSenders | undefined, userId: string, kind: NotificationKind, key: string, facts: Facts): Promise<boolean> {
  const text = KINDS[kind];
  const link = text.link(facts);
  // A sender here with room claims the email in the insert itself: one write less, and it goes out at once.
  const slot = local?.reserve();
  try {
    const n = await Notification.create({
      userId,
      kind,
      key,
      message: text.message(facts),
      subject: text.subject(facts),
      ...(link ? { link } : {}),
      ...(slot ? { emailStatus: EmailStatus.Sending, emailClaimedAt: slot.claimedAt } : {}),
    });
    const email = { _id: n._id, userId, subject: n.subject, message: n.message, link: n.link, emailStatus: n.emailStatus, emailAttempts: n.emailAttempts };
    if (slot) slot.hand(email);
    else local?.staged(email);
    return true;
  } catch (err) {
    slot?.release();
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
