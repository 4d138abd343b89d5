import Head from 'next/head';
import Link from 'next/link';
import { useState } from 'react';
import type { RequestFailure } from '../api/errors';
import type { LiveEvent, Watch } from '../api/types';
import ErrorAlert from '../components/ErrorAlert';
import { useRequest } from '../hooks/use-request';
import { formatPrice } from '../lib/format';
import { fetchData, withSession, type SessionProps } from '../lib/session';

interface WatchRow extends Watch {
  /** The event's name, when it could be read. */
  eventName?: string;
}

interface Props extends SessionProps {
  watches: WatchRow[];
  loadError: RequestFailure | null;
}

export const getServerSideProps = withSession({ requireAuth: true }, async ({ client }) => {
  const { data, failure } = await fetchData(client.get<Watch[]>('/api/notifications/watches'));
  const watches = Array.isArray(data) ? data : [];
  const events = await Promise.all(
    [...new Set(watches.map((w) => w.eventId))].map(async (id) => (await fetchData(client.get<LiveEvent>(`/api/events/${encodeURIComponent(id)}`))).data),
  );
  const names = new Map(events.filter((e): e is LiveEvent => !!e).map((e) => [e.id, e.name]));
  return { watches: watches.map((w) => ({ ...w, ...(names.has(w.eventId) ? { eventName: names.get(w.eventId) } : {}) })), loadError: failure };
});

/** My watches: the events the caller waits on for a price, each stoppable. */
export default function WatchesPage({ watches: initial, loadError }: Props) {
  const [watches, setWatches] = useState(initial);
  const [stopped, setStopped] = useState<string | null>(null);
  const { run, pending, errors } = useRequest();

  const stop = (watch: WatchRow) =>
    void run(
      (client) => client.delete(`/api/notifications/watches/${watch.id}`),
      () => {
        setWatches((now) => now.filter((w) => w.id !== watch.id));
        setStopped(watch.eventName ?? 'the event');
      },
    );

  return (
    <>
      <Head>
        <title>My watches · Ticketing</title>
      </Head>
      <h1>My watches</h1>
      <p className="muted">You are told once per listing when tickets of a watched event are available at or under your price, all fees included.</p>
      {stopped && (
        <p className="success" role="status">
          Stopped watching {stopped}.
        </p>
      )}
      <ErrorAlert errors={loadError?.errors} title="Could not load your watches" />
      <ErrorAlert errors={errors} title="Could not stop the watch" />
      {!loadError && watches.length === 0 && (
        <p className="empty">
          No watches yet: open an event and choose &ldquo;Watch this event&rdquo;. <Link href="/events">Browse events</Link>.
        </p>
      )}
      {watches.length > 0 && (
        <ul className="list" aria-label="My watches">
          {watches.map((w) => (
            <li key={w.id} className="row row-with-meta watch-row">
              <span className="row-main">
                <span className="row-title">
                  <Link href={`/events/${w.eventId}`}>{w.eventName ?? 'An event'}</Link>
                </span>
                <span className="row-sub muted">At or under {formatPrice(w.maxPrice)} all-in</span>
              </span>
              <span className="row-meta">
                <button type="button" className="btn" onClick={() => stop(w)} disabled={pending} aria-label={`Stop watching ${w.eventName ?? 'this event'}`}>
                  Stop watching
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
