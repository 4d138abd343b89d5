import Head from 'next/head';
import Link from 'next/link';
import { useRouter } from 'next/router';
import { useState } from 'react';
import type { RequestFailure } from '../../api/errors';
import type { CurrentUser, LiveEvent, Order, Ticket, WaitlistEntry } from '../../api/types';
import AllInPrice from '../../components/AllInPrice';
import ErrorAlert from '../../components/ErrorAlert';
import LocalTime from '../../components/LocalTime';
import SelectField from '../../components/SelectField';
import TicketForm from '../../components/TicketForm';
import { useRequest } from '../../hooks/use-request';
import { feeSettings } from '../../lib/config';
import { formatPrice } from '../../lib/format';
import {
  allowedQuantities,
  listingOf,
  seatCount,
  SPLIT_RULES,
  timesDollars,
  type FeeSettings,
  type Listing,
} from '../../lib/marketplace';
import { signinUrl } from '../../lib/redirect';
import { waitlistQuantities } from '../../lib/waitlist';
import { fetchData, withSession, type SessionProps } from '../../lib/session';

interface Props extends SessionProps {
  ticket: Ticket | null;
  loadError: RequestFailure | null;
  /** The listing's event, when it has one that could be read. */
  event: LiveEvent | null;
  fees: FeeSettings;
}

export const getServerSideProps = withSession({}, async ({ ctx, client }) => {
  const id = String(ctx.params?.id ?? '');
  const { data, failure } = await fetchData(client.get<Ticket>(`/api/tickets/${encodeURIComponent(id)}`));
  const event = data?.eventId ? (await fetchData(client.get<LiveEvent>(`/api/events/${encodeURIComponent(data.eventId)}`))).data : null;
  return { ticket: data, loadError: failure, event, fees: feeSettings() };
});

export default function TicketPage({ ticket, loadError, currentUser, event, fees }: Props) {
  if (!ticket) {
    const notFound = loadError?.status === 404;
    return (
      <>
        <Head>
          <title>{notFound ? 'Ticket not found' : 'Ticket'} · Ticketing</title>
        </Head>
        <section className="card">
          <h1>{notFound ? 'Ticket not found' : 'Could not load this ticket'}</h1>
          <ErrorAlert errors={loadError?.errors} />
          <p>
            <Link href="/">Back to all tickets</Link>
          </p>
        </section>
      </>
    );
  }
  // key: a client-side move to another ticket starts from that ticket's props.
  return <TicketView key={ticket.id} initial={ticket} currentUser={currentUser} event={event} fees={fees} />;
}

interface ViewProps {
  initial: Ticket;
  currentUser: CurrentUser | null;
  event: LiveEvent | null;
  fees: FeeSettings;
}

function TicketView({ initial, currentUser, event, fees }: ViewProps) {
  const router = useRouter();
  const [ticket, setTicket] = useState(initial);
  const [saved, setSaved] = useState(false);
  const isOwner = !!currentUser && currentUser.id === ticket.userId;
  const locked = !!ticket.orderId;
  const listing = listingOf(ticket);
  const offSale = ticket.status === 'cancelled' || event?.status === 'cancelled';
  const split = SPLIT_RULES.find((rule) => rule.value === listing.split)!;

  return (
    <>
      <Head>
        <title>{`${ticket.title} · Ticketing`}</title>
      </Head>
      <section className="card">
        {event && (
          <p className="ticket-event">
            <Link href={`/events/${event.id}`}>{event.name}</Link>
            <span className="muted">
              {' · '}
              <LocalTime iso={event.startsAt} timeStyle="short" /> · {event.venue}, {event.city}
            </span>
          </p>
        )}
        <h1 className="ticket-title">{ticket.title}</h1>
        <p className="ticket-price">
          <AllInPrice listing={listing} large />
        </p>
        <dl className="facts ticket-facts">
          {listing.section && (
            <div>
              <dt>Section</dt>
              <dd>{listing.section}</dd>
            </div>
          )}
          {listing.row && (
            <div>
              <dt>Row</dt>
              <dd>{listing.row}</dd>
            </div>
          )}
          <div>
            <dt>Available</dt>
            <dd className="seats-available">
              {listing.available} of {seatCount(listing.quantity)}
            </dd>
          </div>
          {listing.quantity > 1 && (
            <div>
              <dt>Sold as</dt>
              <dd>{split.label}</dd>
            </div>
          )}
        </dl>

        {offSale ? (
          <p className="notice" role="status">
            This event has been cancelled. These tickets are no longer on sale; buyers who paid get their money back.
          </p>
        ) : isOwner ? (
          <div className="owner-panel">
            <h2>Edit your listing</h2>
            {locked ? (
              <p className="notice" role="status">
                This ticket is reserved and cannot be edited. A buyer holds an order for it; if that order is not
                paid in time, the ticket becomes available and editable again.
              </p>
            ) : (
              <>
                {saved && (
                  <p className="success" role="status">
                    Saved.
                  </p>
                )}
                <TicketForm
                  idPrefix="edit-ticket"
                  submitLabel="Save"
                  initial={ticket}
                  initialEvent={event}
                  fees={fees}
                  send={(client, input) => {
                    setSaved(false);
                    return client.put<Ticket>(`/api/tickets/${ticket.id}`, input);
                  }}
                  onSaved={async (updated) => {
                    setTicket(updated);
                    setSaved(true);
                    // Another event: the page reads it again (its name, time and place above).
                    if ((updated.eventId ?? null) !== (event?.id ?? null)) await router.replace(router.asPath, undefined, { scroll: false });
                  }}
                />
              </>
            )}
          </div>
        ) : (
          <PurchasePanel ticketId={ticket.id} listing={listing} reserved={!!ticket.orderId} currentUser={currentUser} />
        )}
      </section>
    </>
  );
}

interface PurchaseProps {
  ticketId: string;
  listing: Listing;
  reserved: boolean;
  currentUser: CurrentUser | null;
}

/** Quantity (only what the seller's split rule allows) → Purchase → the order's page. */
function PurchasePanel({ ticketId, listing, reserved, currentUser }: PurchaseProps) {
  const router = useRouter();
  const { run, pending, errors } = useRequest();
  const quantities = allowedQuantities(listing.split, listing.available);
  const [chosen, setChosen] = useState(String(quantities[0] ?? 1));
  const quantity = quantities.includes(Number(chosen)) ? Number(chosen) : (quantities[0] ?? 1);
  const buyerNote = SPLIT_RULES.find((rule) => rule.value === listing.split)?.buyerNote;

  const purchase = () => {
    if (!currentUser) {
      void router.push(signinUrl(`/tickets/${ticketId}`));
      return;
    }
    void run(
      (client) => client.post<Order>('/api/orders', { ticketId, quantity }),
      (order) => router.push(`/orders/${order.id}`),
    );
  };

  return (
    <div className="purchase">
      {quantities.length === 0 ? (
        <p className="notice">
          {reserved || listing.quantity === 1
            ? 'This ticket is reserved right now. It becomes available again if its order is not paid in time.'
            : 'No tickets are available right now. Seats come back if a buyer does not pay in time.'}
        </p>
      ) : (
        <>
          {quantities.length > 1 ? (
            <SelectField
              idPrefix="buy"
              name="quantity"
              label="Quantity"
              options={quantities.map((n) => ({ value: String(n), label: String(n) }))}
              value={String(quantity)}
              onChange={(e) => setChosen(e.target.value)}
              aria-describedby={listing.split !== 'any' ? 'buy-quantity-rule' : undefined}
            />
          ) : (
            <p className="quantity-fixed">
              <span className="label">Quantity</span> {seatCount(quantity)}
            </p>
          )}
          {listing.split !== 'any' && (
            <p id="buy-quantity-rule" className="field-hint split-rule">
              {buyerNote}
            </p>
          )}
          {listing.allInPrice !== null && (
            <p className="purchase-total" aria-live="polite">
              Total <strong className="price">{formatPrice(timesDollars(quantity, listing.allInPrice))}</strong> for{' '}
              {seatCount(quantity)}, incl. fees
            </p>
          )}
        </>
      )}
      <ErrorAlert errors={errors} />
      <button type="button" className="btn btn-primary" onClick={purchase} disabled={pending} aria-busy={pending || undefined}>
        Purchase
      </button>
      {!currentUser && <p className="muted">You will be asked to sign in first.</p>}
      {quantities.length === 0 && <WaitlistJoin ticketId={ticketId} listing={listing} currentUser={currentUser} />}
    </div>
  );
}

/** Sold out: wait in line for a quantity; seats that come back are offered in join order (docs/waitlist.md). */
function WaitlistJoin({ ticketId, listing, currentUser }: { ticketId: string; listing: Listing; currentUser: CurrentUser | null }) {
  const router = useRouter();
  const { run, pending, errors } = useRequest();
  const quantities = waitlistQuantities(listing.split, listing.quantity);
  const [chosen, setChosen] = useState(String(quantities[0] ?? 1));

  const join = () => {
    if (!currentUser) {
      void router.push(signinUrl(`/tickets/${ticketId}`));
      return;
    }
    void run(
      (client) => client.post<WaitlistEntry>('/api/waitlist', { ticketId, quantity: Number(chosen) }),
      () => router.push('/waitlist'),
    );
  };

  return (
    <div className="waitlist-join">
      <h2>Sold out? Wait in line</h2>
      <p className="muted">
        When seats come back they are offered to the waiting list in the order people joined, and held for you alone for
        a few minutes.
      </p>
      {quantities.length > 1 && (
        <SelectField
          idPrefix="waitlist"
          name="quantity"
          label="Tickets wanted"
          options={quantities.map((n) => ({ value: String(n), label: String(n) }))}
          value={chosen}
          onChange={(e) => setChosen(e.target.value)}
        />
      )}
      {listing.allInPrice !== null && (
        <p className="purchase-total">
          <strong className="price">{formatPrice(listing.allInPrice)}</strong> each, incl. fees
        </p>
      )}
      <ErrorAlert errors={errors} />
      <button type="button" className="btn btn-primary" onClick={join} disabled={pending} aria-busy={pending || undefined}>
        Join the waiting list
      </button>
    </div>
  );
}
