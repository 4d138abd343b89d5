import { Notification, notificationView } from '../data/notification';

/** How many notifications the inbox shows at most (newest first). */
export const INBOX_LIMIT = 100;

export const unreadCount = (userId: string) => Notification.countDocuments({ userId, read: false });

/** The caller's inbox: the unread count and the newest notifications. */
export async function inboxOf(userId: string) {
  const [unread, items] = await Promise.all([
    unreadCount(userId),
    Notification.find({ userId }).sort({ createdAt: -1, _id: -1 }).limit(INBOX_LIMIT),
  ]);
  return { unread, items: items.map(notificationView) };
}

/** Marks the caller's notifications read (those of `ids`, or all); others' ids change nothing. Returns the unread count. */
export async function markRead(userId: string, ids?: string[]) {
  await Notification.updateMany({ userId, read: false, ...(ids ? { _id: { $in: ids } } : {}) }, { $set: { read: true } });
  return { unread: await unreadCount(userId) };
}
