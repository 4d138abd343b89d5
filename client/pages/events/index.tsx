import Head from 'next/head';
import Link from 'next/link';
import type { RequestFailure } from '../../api/errors';
import type { LiveEvent } from '../../api/types';
import ErrorAlert from '../../components/ErrorAlert';
import LocalTime from '../../components/LocalTime';
import { categoryLabel, EVENT_CATEGORIES, EVENTS_PAGE_SIZE, eventsApiParams, eventsPageHref, isFiltered, readEventSearch, type EventSearch } from '../../lib/events';
import { fetchData, withSession, type SessionProps } from '../../lib/session';

interface Props extends SessionProps {
  events: LiveEvent[];
  search: EventSearch;
  hasNext: boolean;
  loadError: RequestFailure | null;
}

export const getServerSideProps = withSession({}, async ({ ctx, client }) => {
  const search = readEventSearch(ctx.query);
  const { data, failure } = await fetchData(client.get<LiveEvent[]>('/api/events', { params: eventsApiParams(search) }));
  const list = Array.isArray(data) ? data : [];
  return { events: list.slice(0, search.limit), hasNext: list.length > search.limit, search, loadError: failure };
});

export default function EventsPage({ events, search, hasNext, loadError, currentUser }: Props) {
  const filtered = isFiltered(search);
  const first = search.offset + 1;
  const last = search.offset + events.length;
  return (
    <>
      <Head>
        <title>{search.q ? `“${search.q}” · Events · Ticketing` : 'Events · Ticketing'}</title>
      </Head>
      <div className="page-head">
        <h1>Events</h1>
        {currentUser && (
          <Link href="/events/new" className="btn">
            Schedule an event
          </Link>
        )}
      </div>

      <form className="event-search card" role="search" aria-label="Events" action="/events" method="get">
        <div className="field field-wide">
          <label htmlFor="events-q">Search</label>
          <input id="events-q" type="search" name="q" defaultValue={search.q} placeholder="Name, performer or venue" />
        </div>
        <div className="field">
          <label htmlFor="events-category">Category</label>
          <select id="events-category" name="category" defaultValue={search.category}>
            <option value="">Any category</option>
            {EVENT_CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {categoryLabel(c)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="events-city">City</label>
          <input id="events-city" type="text" name="city" defaultValue={search.city} autoComplete="address-level2" />
        </div>
        <div className="field">
          <label htmlFor="events-from">From</label>
          <input id="events-from" type="date" name="from" defaultValue={search.from} />
        </div>
        <div className="field">
          <label htmlFor="events-to">To</label>
          <input id="events-to" type="date" name="to" defaultValue={search.to} />
        </div>
        {search.limit !== EVENTS_PAGE_SIZE && <input type="hidden" name="limit" value={search.limit} />}
        <div className="event-search-actions">
          <button type="submit" className="btn btn-primary">
            Search
          </button>
          {filtered && <Link href="/events">Clear search</Link>}
        </div>
      </form>

      <ErrorAlert errors={loadError?.errors} title="Could not load the events" />

      {!loadError && events.length === 0 && (
        <div className="empty">
          {filtered ? (
            <p>
              No upcoming events match this search. <Link href="/events">Show all events</Link>
            </p>
          ) : search.offset > 0 ? (
            <p>
              No more events. <Link href={eventsPageHref(search, 0)}>Back to the first page</Link>
            </p>
          ) : (
            <p>
              No upcoming events yet.{' '}
              {currentUser ? <Link href="/events/new">Schedule one</Link> : <Link href="/auth/signup">Create an account to schedule one</Link>}
            </p>
          )}
        </div>
      )}

      {events.length > 0 && (
        <ul className="list" aria-label="Upcoming events">
          {events.map((event) => (
            <li key={event.id} className="row row-with-meta event-row">
              <div className="row-main">
                <Link href={`/events/${event.id}`} className="row-title">
                  {event.name}
                </Link>
                {event.performer && <span className="row-sub">{event.performer}</span>}
                <span className="row-sub muted">
                  {event.venue}, {event.city}
                </span>
              </div>
              <div className="row-meta">
                <span className="event-when">
                  <LocalTime iso={event.startsAt} timeStyle="short" />
                </span>
                <span className="category">{categoryLabel(event.category)}</span>
              </div>
            </li>
          ))}
        </ul>
      )}

      {(search.offset > 0 || hasNext) && (
        <nav className="pager" aria-label="Pages">
          {search.offset > 0 ? (
            <Link href={eventsPageHref(search, Math.max(0, search.offset - search.limit))} rel="prev" className="btn">
              ← Previous
            </Link>
          ) : (
            <span />
          )}
          {events.length > 0 && (
            <span className="muted">
              {first}–{last}
            </span>
          )}
          {hasNext ? (
            <Link href={eventsPageHref(search, search.offset + search.limit)} rel="next" className="btn">
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
