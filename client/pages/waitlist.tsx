import Head from 'next/head';
import Link from 'next/link';
import { useRouter } from 'next/router';
import type { RequestFailure } from '../api/errors';
import type { Order, Ticket, WaitlistEntry } from '../api/types';
import ErrorAlert from '../components/ErrorAlert';
import StatusBadge from '../components/StatusBadge';
import { useNow } from '../hooks/use-now';
import { useRequest } from '../hooks/use-request';
import { formatPrice } from '../lib/format';
import { listingOf, seatCount, timesDollars } from '../lib/marketplace';
import { fetchData, withSession, type SessionProps } from '../lib/session';
import { countdown, waitlistStatusText } from '../lib/waitlist';

interface Props extends SessionProps {
  entries: WaitlistEntry[];
  /** The listings the entries are for, by id (a listing that could not be read is missing). */
  tickets: Record<string, Ticket>;
  loadError: RequestFailure | null;
  serverNow: number;
}

export const getServerSideProps = withSession({ requireAuth: true }, async ({ client }) => {
  const { data, failure } = await fetchData(client.get<WaitlistEntry[]>('/api/waitlist'));
  const entries = Array.isArray(data) ? data : [];
  const tickets: Record<string, Ticket> = {};
  for (const id of new Set(entries.map((e) => e.ticketId))) {
    const ticket = (await fetchData(client.get<Ticket>(`/api/tickets/${encodeURIComponent(id)}`))).data;
    if (ticket) tickets[id] = ticket;
  }
  return { entries, tickets, loadError: failure, serverNow: Date.now() };
});

export default function MyWaitlistPage({ entries, tickets, loadError, serverNow }: Props) {
  const now = useNow(serverNow);
  return (
    <>
      <Head>
        <title>My Waiting List · Ticketing</title>
      </Head>
      <h1>My waiting list</h1>
      <ErrorAlert errors={loadError?.errors} title="Could not load your waiting list" />
      {!loadError && entries.length === 0 && (
        <p className="empty">
          You are not waiting for any tickets. A sold-out listing lets you join its waiting list. <Link href="/">Find a ticket</Link>.
        </p>
      )}
      {entries.length > 0 && (
        <ul className="list" aria-label="My waiting list">
          {entries.map((entry) => (
            <EntryRow key={entry.id} entry={entry} ticket={tickets[entry.ticketId]} now={now} />
          ))}
        </ul>
      )}
    </>
  );
}

function EntryRow({ entry, ticket, now }: { entry: WaitlistEntry; ticket: Ticket | undefined; now: number }) {
  const router = useRouter();
  const buying = useRequest();
  const leaving = useRequest();
  const listing = ticket ? listingOf(ticket) : null;
  const msLeft = entry.offerExpiresAt ? Date.parse(entry.offerExpiresAt) - now : 0;
  const offerLive = entry.status === 'offered' && msLeft > 0;
  const active = entry.status === 'waiting' || entry.status === 'offered';
  const total = listing?.allInPrice != null ? timesDollars(entry.quantity, listing.allInPrice) : null;

  const buy = () =>
    void buying.run(
      (client) => client.post<Order>('/api/orders', { ticketId: entry.ticketId, quantity: entry.quantity }),
      (order) => router.push(`/orders/${order.id}`),
    );
  const leave = () =>
    void leaving.run(
      (client) => client.delete(`/api/waitlist/${entry.id}`),
      () => router.replace(router.asPath, undefined, { scroll: false }),
    );

  return (
    <li className="row row-with-meta waitlist-entry">
      <span className="row-main">
        <Link href={`/tickets/${entry.ticketId}`} className="row-title">
          {ticket?.title ?? 'Ticket'}
        </Link>
        <span className="row-sub muted">
          {seatCount(entry.quantity)} · {waitlistStatusText(entry.status, entry.position)}
        </span>
        {offerLive && (
          <span className="waitlist-offer">
            <span role="timer" aria-live="off">
              Held for you for <span className="waitlist-countdown">{countdown(msLeft)}</span>
            </span>
            <button type="button" className="btn btn-primary" onClick={buy} disabled={buying.pending} aria-busy={buying.pending || undefined}>
              Buy your offered seats{total !== null ? ` · ${formatPrice(total)}` : ''}
            </button>
          </span>
        )}
        <ErrorAlert errors={[...buying.errors, ...leaving.errors]} />
      </span>
      <span className="row-meta">
        {total !== null && (
          <span className="price order-row-total">
            {formatPrice(total)}
            <span className="all-in-note"> total</span>
          </span>
        )}
        <StatusBadge status={entry.status === 'offered' && !offerLive ? 'expired' : entry.status} />
        {active && (
          <button type="button" className="btn btn-link" onClick={leave} disabled={leaving.pending}>
            Leave
          </button>
        )}
      </span>
    </li>
  );
}
