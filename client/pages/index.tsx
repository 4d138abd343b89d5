import Head from 'next/head';
import Link from 'next/link';
import type { RequestFailure } from '../api/errors';
import type { Ticket } from '../api/types';
import ErrorAlert from '../components/ErrorAlert';
import ListingRow from '../components/ListingRow';
import { fetchData, withSession, type SessionProps } from '../lib/session';

const PAGE_SIZE = 20;
const MAX_LIMIT = 99; // the API allows 100; one more is asked for to see if a next page exists

interface Props extends SessionProps {
  tickets: Ticket[];
  q: string;
  limit: number;
  offset: number;
  hasNext: boolean;
  loadError: RequestFailure | null;
}

function intParam(value: string | string[] | undefined, fallback: number, min: number, max: number): number {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || !/^\d+$/.test(raw)) return fallback;
  return Math.min(max, Math.max(min, Number(raw)));
}

function pageHref(q: string, limit: number, offset: number): string {
  const params = new URLSearchParams();
  if (q) params.set('q', q);
  if (limit !== PAGE_SIZE) params.set('limit', String(limit));
  if (offset > 0) params.set('offset', String(offset));
  const query = params.toString();
  return query ? `/?${query}` : '/';
}

export const getServerSideProps = withSession({}, async ({ ctx, client }) => {
  const rawQ = ctx.query.q;
  const q = (Array.isArray(rawQ) ? rawQ[0] : rawQ ?? '').trim().slice(0, 200);
  const limit = intParam(ctx.query.limit, PAGE_SIZE, 1, MAX_LIMIT);
  const offset = intParam(ctx.query.offset, 0, 0, Number.MAX_SAFE_INTEGER);
  const params: Record<string, string | number> = { limit: limit + 1, offset };
  if (q) params.q = q;
  const { data, failure } = await fetchData(client.get<Ticket[]>('/api/tickets', { params }));
  const list = Array.isArray(data) ? data : [];
  return {
    tickets: list.slice(0, limit),
    hasNext: list.length > limit,
    q,
    limit,
    offset,
    loadError: failure,
  };
});

export default function LandingPage({ tickets, q, limit, offset, hasNext, loadError, currentUser }: Props) {
  const first = offset + 1;
  const last = offset + tickets.length;
  return (
    <>
      <Head>
        <title>{q ? `“${q}” · Tickets for sale · Ticketing` : 'Tickets for sale · Ticketing'}</title>
      </Head>
      <div className="page-head">
        <h1>Tickets for sale</h1>
        <form className="search" role="search" action="/" method="get">
          <label htmlFor="search-q" className="visually-hidden">
            Search tickets
          </label>
          <input id="search-q" type="search" name="q" defaultValue={q} placeholder="Search by title" />
          {limit !== PAGE_SIZE && <input type="hidden" name="limit" value={limit} />}
          <button type="submit" className="btn">
            Search
          </button>
        </form>
      </div>

      <ErrorAlert errors={loadError?.errors} title="Could not load the tickets" />

      {!loadError && tickets.length === 0 && (
        <div className="empty">
          {q ? (
            <p>
              No tickets match “{q}”. <Link href="/">Show all tickets</Link>
            </p>
          ) : offset > 0 ? (
            <p>
              No more tickets. <Link href={pageHref(q, limit, 0)}>Back to the first page</Link>
            </p>
          ) : (
            <p>
              No tickets for sale yet.{' '}
              {currentUser ? <Link href="/tickets/new">Sell one</Link> : <Link href="/auth/signup">Create an account to sell one</Link>}
            </p>
          )}
        </div>
      )}

      {tickets.length > 0 && (
        <>
          {q && (
            <p className="muted">
              Results for “{q}” · <Link href="/">Clear search</Link>
            </p>
          )}
          <ul className="list" aria-label="Tickets">
            {tickets.map((ticket) => (
              <ListingRow key={ticket.id} ticket={ticket} />
            ))}
          </ul>
        </>
      )}

      {(offset > 0 || hasNext) && (
        <nav className="pager" aria-label="Pages">
          {offset > 0 ? (
            <Link href={pageHref(q, limit, Math.max(0, offset - limit))} rel="prev" className="btn">
              ← Previous
            </Link>
          ) : (
            <span />
          )}
          {tickets.length > 0 && (
            <span className="muted">
              {first}–{last}
            </span>
          )}
          {hasNext ? (
            <Link href={pageHref(q, limit, offset + limit)} rel="next" className="btn">
              Next →
            </Link>
          ) : (
            <span />
          )}
        </nav>
      )}
    </>
  );
}
