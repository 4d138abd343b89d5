import Head from 'next/head';
import { useRouter } from 'next/router';
import type { LiveEvent } from '../../api/types';
import EventForm from '../../components/EventForm';
import { withSession } from '../../lib/session';

export const getServerSideProps = withSession({ requireAuth: true });

export default function NewEventPage() {
  const router = useRouter();
  return (
    <>
      <Head>
        <title>Schedule an event · Ticketing</title>
      </Head>
      <section className="card narrow">
        <h1>Schedule an event</h1>
        <EventForm
          idPrefix="new-event"
          submitLabel="Create Event"
          send={(client, input) => client.post<LiveEvent>('/api/events', input)}
          onSaved={(event) => router.push(`/events/${event.id}`)}
        />
      </section>
    </>
  );
}
