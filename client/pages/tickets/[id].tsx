import Head from 'next/head';
import Link from 'next/link';
import { useRouter } from 'next/router';
import { useState } from 'react';
import type { RequestFailure } from '../../api/errors';
import type { CurrentUser, Order, Ticket } from '../../api/types';
import ErrorAlert from '../../components/ErrorAlert';
import TicketForm from '../../components/TicketForm';
import { useRequest } from '../../hooks/use-request';
import { formatPrice } from '../../lib/format';
import { signinUrl } from '../../lib/redirect';
import { fetchData, withSession, type SessionProps } from '../../lib/session';

interface Props extends SessionProps {
  ticket: Ticket | null;
  loadError: RequestFailure | null;
}

export const getServerSideProps = withSession({}, async ({ ctx, client }) => {
  const id = String(ctx.params?.id ?? '');
  const { data, failure } = await fetchData(client.get<Ticket>(`/api/tickets/${encodeURIComponent(id)}`));
  return { ticket: data, loadError: failure };
});

export default function TicketPage({ ticket, loadError, currentUser }: Props) {
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
  return <TicketView key={ticket.id} initial={ticket} currentUser={currentUser} />;
}

function TicketView({ initial, currentUser }: { initial: Ticket; currentUser: CurrentUser | null }) {
  const [ticket, setTicket] = useState(initial);
  const [saved, setSaved] = useState(false);
  const isOwner = !!currentUser && currentUser.id === ticket.userId;
  const locked = !!ticket.orderId;

  return (
    <>
      <Head>
        <title>{`${ticket.title} · Ticketing`}</title>
      </Head>
      <section className="card">
        <h1 className="ticket-title">{ticket.title}</h1>
        <p className="ticket-price">
          <span className="muted">Price</span> <span className="price price-lg">{formatPrice(ticket.price)}</span>
        </p>

        {isOwner ? (
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
                  send={(client, input) => {
                    setSaved(false);
                    return client.put<Ticket>(`/api/tickets/${ticket.id}`, input);
                  }}
                  onSaved={(updated) => {
                    setTicket(updated);
                    setSaved(true);
                  }}
                />
              </>
            )}
          </div>
        ) : (
          <PurchasePanel ticket={ticket} currentUser={currentUser} />
        )}
      </section>
    </>
  );
}

function PurchasePanel({ ticket, currentUser }: { ticket: Ticket; currentUser: CurrentUser | null }) {
  const router = useRouter();
  const { run, pending, errors } = useRequest();

  const purchase = () => {
    if (!currentUser) {
      void router.push(signinUrl(`/tickets/${ticket.id}`));
      return;
    }
    void run(
      (client) => client.post<Order>('/api/orders', { ticketId: ticket.id }),
      (order) => router.push(`/orders/${order.id}`),
    );
  };

  return (
    <div className="purchase">
      {ticket.orderId && (
        <p className="notice">
          This ticket is reserved right now. It becomes available again if its order is not paid in time.
        </p>
      )}
      <ErrorAlert errors={errors} />
      <button type="button" className="btn btn-primary" onClick={purchase} disabled={pending} aria-busy={pending || undefined}>
        Purchase
      </button>
      {!currentUser && <p className="muted">You will be asked to sign in first.</p>}
    </div>
  );
}
