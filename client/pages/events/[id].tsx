import Head from 'next/head';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import type { RequestFailure } from '../../api/errors';
import { splitErrors } from '../../api/errors';
import type { CurrentUser, LiveEvent, Ticket, Watch } from '../../api/types';
import ErrorAlert from '../../components/ErrorAlert';
import EventForm from '../../components/EventForm';
import FormField from '../../components/FormField';
import ListingRow from '../../components/ListingRow';
import LocalTime from '../../components/LocalTime';
import { useRequest } from '../../hooks/use-request';
import { categoryLabel } from '../../lib/events';
import { formatPrice, parsePriceInput } from '../../lib/format';
import { fetchData, withSession, type SessionProps } from '../../lib/session';

interface Props extends SessionProps {
  event: LiveEvent | null;
  loadError: RequestFailure | null;
  listings: Ticket[];
  /** The listings could not be read; the event itself is still shown. */
  listingsError: RequestFailure | null;
}

/** The most listings one event page shows (the API's largest page). */
const LISTINGS_LIMIT = 100;

export const getServerSideProps = withSession({}, async ({ ctx, client }) => {
  const id = String(ctx.params?.id ?? '');
  const [event, listings] = await Promise.all([
    fetchData(client.get<LiveEvent>(`/api/events/${encodeURIComponent(id)}`)),
    fetchData(client.get<Ticket[]>('/api/tickets', { params: { eventId: id, sort: 'price', limit: LISTINGS_LIMIT } })),
  ]);
  // Only this event's listings, even from an API that does not filter by event yet.
  const forEvent = Array.isArray(listings.data) ? listings.data.filter((t) => t.eventId === id) : [];
  return { event: event.data, loadError: event.failure, listings: forEvent, listingsError: listings.failure };
});

export default function EventPage({ event, loadError, listings, listingsError, currentUser }: Props) {
  if (!event) {
    const notFound = loadError?.status === 404;
    return (
      <>
        <Head>
          <title>{notFound ? 'Event not found' : 'Event'} · Ticketing</title>
        </Head>
        <section className="card">
          <h1>{notFound ? 'Event not found' : 'Could not load this event'}</h1>
          <ErrorAlert errors={loadError?.errors} />
          <p>
            <Link href="/events">Back to all events</Link>
          </p>
        </section>
      </>
    );
  }
  // key: a client-side move to another event starts from that event's props.
  return <EventView key={event.id} initial={event} currentUser={currentUser} listings={listings} listingsError={listingsError} />;
}

interface ViewProps {
  initial: LiveEvent;
  currentUser: CurrentUser | null;
  listings: Ticket[];
  listingsError: RequestFailure | null;
}

function EventView({ initial, currentUser, listings, listingsError }: ViewProps) {
  const [event, setEvent] = useState(initial);
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const isOrganizer = !!currentUser && currentUser.id === event.organizerId;
  const cancelled = event.status === 'cancelled';

  return (
    <>
      <Head>
        <title>{`${event.name}${cancelled ? ' (cancelled)' : ''} · Ticketing`}</title>
      </Head>
      <section className="card">
        <p className="eyebrow">{categoryLabel(event.category)}</p>
        <div className="event-head">
          <h1 className="event-title">{event.name}</h1>
          {cancelled && <span className="status status-cancelled status-event-cancelled">Cancelled</span>}
        </div>
        {cancelled && (
          <p className="notice" role="status">
            This event has been cancelled. Everyone who paid has been refunded.
          </p>
        )}
        <dl className="facts">
          {event.performer && (
            <div>
              <dt>Performer</dt>
              <dd>{event.performer}</dd>
            </div>
          )}
          <div>
            <dt>When</dt>
            <dd>
              <LocalTime iso={event.startsAt} timeStyle="short" />
            </dd>
          </div>
          <div>
            <dt>Venue</dt>
            <dd>{event.venue}</dd>
          </div>
          <div>
            <dt>City</dt>
            <dd>{event.city}</dd>
          </div>
        </dl>

        {isOrganizer && !cancelled && (
          <div className="owner-panel">
            <h2>Manage your event</h2>
            {saved && !editing && (
              <p className="success" role="status">
                Saved.
              </p>
            )}
            {editing ? (
              <>
                <EventForm
                  idPrefix="edit-event"
                  submitLabel="Save"
                  initial={event}
                  send={(client, input) => {
                    setSaved(false);
                    return client.put<LiveEvent>(`/api/events/${event.id}`, input);
                  }}
                  onSaved={(updated) => {
                    setEvent(updated);
                    setEditing(false);
                    setSaved(true);
                  }}
                />
                <button type="button" className="btn btn-link" onClick={() => setEditing(false)}>
                  Stop editing
                </button>
              </>
            ) : (
              <div className="owner-actions">
                <button
                  type="button"
                  className="btn"
                  onClick={() => {
                    setSaved(false);
                    setEditing(true);
                  }}
                >
                  Edit event
                </button>
              </div>
            )}
            <CancelEvent event={event} onCancelled={setEvent} />
          </div>
        )}
      </section>

      <section className="card event-listings" aria-labelledby="event-listings-title">
        <div className="section-head">
          <h2 id="event-listings-title">Tickets for this event</h2>
          {!cancelled && (
            <Link href={`/tickets/new?eventId=${encodeURIComponent(event.id)}`} className="btn">
              Sell tickets for this event
            </Link>
          )}
        </div>
        {cancelled ? (
          <p className="muted">Tickets are not sold for a cancelled event.</p>
        ) : (
          <EventListings listings={listings} listingsError={listingsError} />
        )}
      </section>

      {!cancelled && currentUser && <WatchEvent eventId={event.id} />}
    </>
  );
}

/** Watch this event: the caller is told once per listing that is available at or under the price, all-in. */
function WatchEvent({ eventId }: { eventId: string }) {
  const [maxPrice, setMaxPrice] = useState('');
  const [watch, setWatch] = useState<Watch | null>(null);
  const { run, pending, errors } = useRequest();
  const { byField, general } = splitErrors(errors, ['maxPrice']);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    void run((client) => client.post<Watch>('/api/notifications/watches', { eventId, maxPrice: parsePriceInput(maxPrice) }), setWatch);
  };

  return (
    <section className="card event-watch" aria-labelledby="event-watch-title">
      <h2 id="event-watch-title">Watch this event</h2>
      {watch ? (
        <p className="success" role="status">
          Watching: you will be told when tickets are available at or under {formatPrice(watch.maxPrice)} all-in.{' '}
          <Link href="/watches">My watches</Link>
        </p>
      ) : (
        <form className="watch-form" onSubmit={submit} noValidate>
          <FormField
            idPrefix="watch"
            name="maxPrice"
            label="Your price per ticket, all fees included ($)"
            inputMode="decimal"
            value={maxPrice}
            onChange={(e) => setMaxPrice(e.target.value)}
            errors={byField.maxPrice}
          />
          <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending || undefined}>
            Watch this event
          </button>
        </form>
      )}
      <ErrorAlert errors={general} title="Could not watch this event" />
    </section>
  );
}

/** The event's listings as the API orders them: cheapest all-in price first. */
function EventListings({ listings, listingsError }: { listings: Ticket[]; listingsError: RequestFailure | null }) {
  if (listingsError) return <ErrorAlert errors={listingsError.errors} title="Could not load the tickets for this event" />;
  if (listings.length === 0) return <p className="muted">No tickets are listed for this event yet.</p>;
  return (
    <>
      <p className="muted">Cheapest first. Prices include every fee.</p>
      <ul className="list list-flat" aria-label="Listings, cheapest first">
        {listings.map((ticket) => (
          <ListingRow key={ticket.id} ticket={ticket} />
        ))}
      </ul>
    </>
  );
}

/** Cancel event → an in-page confirmation (focus moves to it) → POST /api/events/:id/cancel. */
function CancelEvent({ event, onCancelled }: { event: LiveEvent; onCancelled: (event: LiveEvent) => void }) {
  const [confirming, setConfirming] = useState(false);
  const { run, pending, errors, setErrors } = useRequest();
  const confirmTitle = useRef<HTMLHeadingElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);

  useEffect(() => {
    if (confirming) confirmTitle.current?.focus();
    else if (wasConfirming.current) opener.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  const confirm = () => {
    void run((client) => client.post<LiveEvent>(`/api/events/${event.id}/cancel`), onCancelled);
  };

  if (!confirming) {
    return (
      <div className="danger-zone">
        <button ref={opener} type="button" className="btn btn-danger" onClick={() => setConfirming(true)}>
          Cancel event
        </button>
      </div>
    );
  }
  return (
    <div className="danger-zone confirm" role="group" aria-labelledby="cancel-event-title" aria-describedby="cancel-event-text">
      <h3 id="cancel-event-title" ref={confirmTitle} tabIndex={-1}>
        Cancel “{event.name}”?
      </h3>
      <p id="cancel-event-text">
        Everyone will see it as cancelled. This cannot be undone.
      </p>
      <ErrorAlert errors={errors} />
      <div className="confirm-actions">
        <button type="button" className="btn btn-danger" onClick={confirm} disabled={pending} aria-busy={pending || undefined}>
          Yes, cancel this event
        </button>
        <button
          type="button"
          className="btn"
          disabled={pending}
          onClick={() => {
            setErrors([]);
            setConfirming(false);
          }}
        >
          Keep the event
        </button>
      </div>
    </div>
  );
}
