import Head from 'next/head';
import { useRouter } from 'next/router';
import type { LiveEvent, Ticket } from '../../api/types';
import ErrorAlert from '../../components/ErrorAlert';
import TicketForm from '../../components/TicketForm';
import type { RequestFailure } from '../../api/errors';
import { feeSettings } from '../../lib/config';
import type { FeeSettings } from '../../lib/marketplace';
import { fetchData, withSession, type SessionProps } from '../../lib/session';

interface Props extends SessionProps {
  events: LiveEvent[];
  /** ?eventId=… (from an event's page), when it names an event. */
  chosenEvent: LiveEvent | null;
  eventsError: RequestFailure | null;
  fees: FeeSettings;
}

export const getServerSideProps = withSession({ requireAuth: true }, async ({ ctx, client }) => {
  const raw = ctx.query.eventId;
  const eventId = (Array.isArray(raw) ? raw[0] : raw) ?? '';
  const [events, chosen] = await Promise.all([
    fetchData(client.get<LiveEvent[]>('/api/events', { params: { limit: 100 } })),
    /^[0-9a-f]{24}$/i.test(eventId) ? fetchData(client.get<LiveEvent>(`/api/events/${eventId}`)) : Promise.resolve({ data: null }),
  ]);
  return {
    events: Array.isArray(events.data) ? events.data : [],
    chosenEvent: chosen.data,
    // The form still works without the list: the listing is then for no particular event.
    eventsError: events.failure,
    fees: feeSettings(),
  };
});

export default function NewTicketPage({ events, chosenEvent, eventsError, fees }: Props) {
  const router = useRouter();
  return (
    <>
      <Head>
        <title>Sell Tickets · Ticketing</title>
      </Head>
      <section className="card narrow">
        <h1>Sell a ticket</h1>
        <ErrorAlert errors={eventsError?.errors} title="Could not load the events to choose from" />
        <TicketForm
          idPrefix="new-ticket"
          submitLabel="Create Ticket"
          events={events}
          initialEvent={chosenEvent}
          fees={fees}
          send={(client, input) => client.post<Ticket>('/api/tickets', input)}
          onSaved={(ticket) => router.push(`/tickets/${ticket.id}`)}
        />
      </section>
    </>
  );
}
