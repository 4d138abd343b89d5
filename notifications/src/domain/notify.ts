import { isDuplicateKey } from '@ticketing/common';
import { EmailStatus, Notification } from '../data/notification';
import { Facts, KINDS, NotificationKind } from './kinds';
import { emailStaged, reserveSendSlot } from './mail';

/**
 * Records that `userId` is told of the fact `key` (its email staged in the
 * same write); the unique (userId, kind, key) index makes a second call for
 * the same fact, redelivered or racing, a no-op. True when this call created
 * it; its email then goes to a sender of this process at once (claimed in the
 * insert when one has room, else queued by the wake-up).
 */
export async function notify(userId: string, kind: NotificationKind, key: string, facts: Facts): Promise<boolean> {
  const text = KINDS[kind];
  const link = text.link(facts);
  // A sender here with room claims the email in the insert itself: one write less, and it goes out at once.
  const slot = reserveSendSlot();
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
    else emailStaged(email);
    return true;
  } catch (err) {
    slot?.release();
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
