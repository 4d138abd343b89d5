import Head from 'next/head';
import { useRouter } from 'next/router';
import type { Ticket } from '../../api/types';
import TicketForm from '../../components/TicketForm';
import { withSession } from '../../lib/session';

export const getServerSideProps = withSession({ requireAuth: true });

export default function NewTicketPage() {
  const router = useRouter();
  return (
    <>
      <Head>
        <title>Sell Tickets · Ticketing</title>
      </Head>
      <section className="card narrow">
        <h1>Sell a ticket</h1>
        <TicketForm
          idPrefix="new-ticket"
          submitLabel="Create Ticket"
          send={(client, input) => client.post<Ticket>('/api/tickets', input)}
          onSaved={(ticket) => router.push(`/tickets/${ticket.id}`)}
        />
      </section>
    </>
  );
}
