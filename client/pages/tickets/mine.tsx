import Head from 'next/head';
import Link from 'next/link';
import type { RequestFailure } from '../../api/errors';
import type { OwnTicket } from '../../api/types';
import ErrorAlert from '../../components/ErrorAlert';
import StatusBadge from '../../components/StatusBadge';
import { formatPrice } from '../../lib/format';
import { listingOf, seatPlace } from '../../lib/marketplace';
import { fetchData, withSession, type SessionProps } from '../../lib/session';

interface Props extends SessionProps {
  tickets: OwnTicket[];
  loadError: RequestFailure | null;
}

export const getServerSideProps = withSession({ requireAuth: true }, async ({ client }) => {
  const { data, failure } = await fetchData(client.get<OwnTicket[]>('/api/tickets/mine'));
  return { tickets: Array.isArray(data) ? data : [], loadError: failure };
});

export default function MyTicketsPage({ tickets, loadError }: Props) {
  return (
    <>
      <Head>
        <title>My Tickets · Ticketing</title>
      </Head>
      <div className="page-head">
        <h1>My Tickets</h1>
        <Link href="/tickets/new" className="btn btn-primary">
          List a ticket
        </Link>
      </div>
      <ErrorAlert errors={loadError?.errors} title="Could not load your tickets" />
      {!loadError && tickets.length === 0 && (
        <p className="empty">
          You have not listed any tickets yet. <Link href="/tickets/new">Sell your first one</Link>.
        </p>
      )}
      {tickets.length > 0 && (
        <ul className="list" aria-label="My tickets">
          {tickets.map((ticket) => {
            const listing = listingOf(ticket);
            const place = seatPlace(listing);
            return (
              <li key={ticket.id} className="row row-with-meta">
                <span className="row-main">
                  <Link href={`/tickets/${ticket.id}`} className="row-title">
                    {ticket.title}
                  </Link>
                  <span className="row-sub muted">
                    {place && <>{place} · </>}
                    {listing.available} of {listing.quantity} available
                    {typeof ticket.held === 'number' && ticket.held > 0 && <> · {ticket.held} held</>}
                    {typeof ticket.sold === 'number' && ticket.sold > 0 && <> · {ticket.sold} sold</>}
                  </span>
                </span>
                <span className="row-meta">
                  <span className="price-block">
                    <span className="price">{formatPrice(ticket.price)}</span>
                    {listing.allInPrice !== null && (
                      <span className="price-before-fees">buyers pay {formatPrice(listing.allInPrice)}</span>
                    )}
                  </span>
                  <StatusBadge status={ticket.status} />
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </>
  );
}
