import Head from 'next/head';
import Link from 'next/link';
import { useEffect, useState } from 'react';
import type { RequestFailure } from '../api/errors';
import type { AppNotification, Inbox } from '../api/types';
import ErrorAlert from '../components/ErrorAlert';
import LocalTime from '../components/LocalTime';
import { useRequest } from '../hooks/use-request';
import { announceUnread } from '../lib/notifications';
import { fetchData, withSession, type SessionProps } from '../lib/session';

interface Props extends SessionProps {
  inbox: Inbox | null;
  loadError: RequestFailure | null;
}

export const getServerSideProps = withSession({ requireAuth: true }, async ({ client }) => {
  const { data, failure } = await fetchData(client.get<Inbox>('/api/notifications'));
  return { inbox: data && Array.isArray(data.items) ? data : null, loadError: failure };
});

/** The inbox: what happened to the caller's orders, sales, payouts and watches, newest first. */
export default function NotificationsPage({ inbox, loadError }: Props) {
  const [items, setItems] = useState<AppNotification[]>(inbox?.items ?? []);
  const [unread, setUnread] = useState(inbox?.unread ?? 0);
  const { run, pending, errors } = useRequest();

  // The header's bell follows what this page knows.
  useEffect(() => announceUnread(unread), [unread]);

  const markRead = (ids?: string[]) =>
    void run(
      (client) => client.post<{ unread: number }>('/api/notifications/read', ids ? { ids } : {}),
      (answer) => {
        setItems((now) => now.map((n) => (!ids || ids.includes(n.id) ? { ...n, read: true } : n)));
        setUnread(answer.unread);
      },
    );

  return (
    <>
      <Head>
        <title>{unread > 0 ? `Notifications (${unread}) · Ticketing` : 'Notifications · Ticketing'}</title>
      </Head>
      <div className="section-head">
        <h1>Notifications</h1>
        {unread > 0 && (
          <button type="button" className="btn" onClick={() => markRead()} disabled={pending} aria-busy={pending || undefined}>
            Mark all as read
          </button>
        )}
      </div>
      <p className="muted" role="status">
        {unread === 0 ? 'Nothing unread.' : unread === 1 ? '1 unread notification.' : `${unread} unread notifications.`} Each is also sent to
        you by email.
      </p>
      <p>
        <Link href="/watches">My watches</Link>: the events you are told about when tickets reach your price.
      </p>
      <ErrorAlert errors={loadError?.errors} title="Could not load your notifications" />
      <ErrorAlert errors={errors} title="Could not mark them read" />
      {!loadError && items.length === 0 && (
        <p className="empty">
          No notifications yet: you hear here when an order is paid, a ticket sells, or a watched event has tickets at your price.{' '}
          <Link href="/events">Browse events</Link>.
        </p>
      )}
      {items.length > 0 && (
        <ul className="list" aria-label="Notifications, newest first">
          {items.map((n) => (
            <li key={n.id} className={`row row-with-meta notification${n.read ? '' : ' notification-unread'}`} data-kind={n.kind}>
              <span className="row-main">
                <span className="row-title">
                  {!n.read && <span className="visually-hidden">Unread: </span>}
                  {n.message}
                </span>
                <span className="row-sub muted">
                  <LocalTime iso={n.createdAt} timeStyle="short" />
                  {n.link && (
                    <>
                      {' · '}
                      <Link href={n.link}>Open</Link>
                    </>
                  )}
                </span>
              </span>
              {!n.read && (
                <span className="row-meta">
                  <button type="button" className="btn" onClick={() => markRead([n.id])} disabled={pending}>
                    Mark read
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
