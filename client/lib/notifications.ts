/** The window event the inbox page sends when it changes the unread count, so the header's bell follows. */
export const UNREAD_EVENT = 'ticketing:unread';

export function announceUnread(unread: number): void {
  window.dispatchEvent(new CustomEvent<number>(UNREAD_EVENT, { detail: unread }));
}

/** The bell's accessible name: what a screen reader says for it. */
export const bellLabel = (unread: number | null) =>
  unread === null || unread === 0 ? 'Notifications' : `Notifications, ${unread} unread`;

/** The count on the bell: 99+ beyond 99. */
export const bellCount = (unread: number) => (unread > 99 ? '99+' : String(unread));
