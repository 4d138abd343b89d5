import { isDuplicateKey } from '@ticketing/common';
import { Notification } from '../data/notification';
import { Facts, KINDS, NotificationKind } from './kinds';
import { emailStaged } from './mail';

/**
 * Records that `userId` is told of the fact `key` (its email staged in the
 * same write); the unique (userId, kind, key) index makes a second call for
 * the same fact, redelivered or racing, a no-op. True when this call created
 * it; then this process's senders are woken to send its email at once.
 */
export async function notify(userId: string, kind: NotificationKind, key: string, facts: Facts): Promise<boolean> {
  const text = KINDS[kind];
  const link = text.link(facts);
  try {
    const n = await Notification.create({ userId, kind, key, message: text.message(facts), subject: text.subject(facts), ...(link ? { link } : {}) });
    emailStaged({ _id: n._id, userId, subject: n.subject, message: n.message, link: n.link, emailStatus: n.emailStatus, emailAttempts: n.emailAttempts });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
