import { isDuplicateKey } from '@ticketing/common';
import { Notification } from '../data/notification';
import { Facts, KINDS, NotificationKind } from './kinds';

/**
 * Records that `userId` is told of the fact `key` (its email staged in the
 * same write); the unique (userId, kind, key) index makes a second call for
 * the same fact, redelivered or racing, a no-op. True when this call created it.
 */
export async function notify(userId: string, kind: NotificationKind, key: string, facts: Facts): Promise<boolean> {
  const text = KINDS[kind];
  const link = text.link(facts);
  try {
    await Notification.create({ userId, kind, key, message: text.message(facts), subject: text.subject(facts), ...(link ? { link } : {}) });
    return true;
  } catch (err) {
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}
