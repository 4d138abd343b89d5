import Link from 'next/link';
import { useEffect, useState } from 'react';
import { buildClient } from '../api/build-client';
import type { Inbox } from '../api/types';
import { bellCount, bellLabel, UNREAD_EVENT } from '../lib/notifications';

/** The header's bell: a link to the inbox with the unread count, read again on every page. */
export default function NotificationBell({ path }: { path: string }) {
  const [unread, setUnread] = useState<number | null>(null);

  useEffect(() => {
    let live = true;
    buildClient()
      .get<Inbox>('/api/notifications')
      .then((res) => {
        if (live && typeof res.data?.unread === 'number') setUnread(res.data.unread);
      })
      .catch(() => undefined); // the bell stays without a count: the inbox page shows the failure
    return () => {
      live = false;
    };
  }, [path]);

  useEffect(() => {
    const follow = (e: Event) => setUnread((e as CustomEvent<number>).detail);
    window.addEventListener(UNREAD_EVENT, follow);
    return () => window.removeEventListener(UNREAD_EVENT, follow);
  }, []);

  return (
    <Link
      href="/notifications"
      className="bell"
      aria-label={bellLabel(unread)}
      aria-current={path === '/notifications' ? 'page' : undefined}
      data-unread={unread ?? undefined}
    >
      <svg aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24">
        <path
          fill="currentColor"
          d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z"
        />
      </svg>
      {unread !== null && unread > 0 && (
        <span className="bell-count" data-testid="unread-count">
          {bellCount(unread)}
        </span>
      )}
    </Link>
  );
}
