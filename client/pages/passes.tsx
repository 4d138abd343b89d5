import Head from 'next/head';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import type { RequestFailure } from '../api/errors';
import type { LiveEvent, Pass } from '../api/types';
import ErrorAlert from '../components/ErrorAlert';
import FormField from '../components/FormField';
import LocalTime from '../components/LocalTime';
import PassQrCode from '../components/PassQrCode';
import StatusBadge from '../components/StatusBadge';
import { useRequest } from '../hooks/use-request';
import { passStatusMeaning, seatLabel } from '../lib/passes';
import { fetchData, withSession, type SessionProps } from '../lib/session';

interface Props extends SessionProps {
  passes: Pass[];
  /** The events the passes are for, by id (those that could be read). */
  events: Record<string, LiveEvent>;
  loadError: RequestFailure | null;
}

export const getServerSideProps = withSession({ requireAuth: true }, async ({ client }) => {
  const { data, failure } = await fetchData(client.get<Pass[]>('/api/passes'));
  const passes = Array.isArray(data) ? data : [];
  const eventIds = [...new Set(passes.map((p) => p.eventId).filter((id): id is string => !!id))];
  const read = await Promise.all(eventIds.map((id) => fetchData(client.get<LiveEvent>(`/api/events/${id}`))));
  const events: Record<string, LiveEvent> = {};
  read.forEach(({ data: event }) => {
    if (event) events[event.id] = event;
  });
  return { passes, events, loadError: failure };
});

export default function PassesPage({ passes, events, loadError }: Props) {
  const [list, setList] = useState(passes);
  const valid = list.filter((p) => p.status === 'valid').length;
  return (
    <>
      <Head>
        <title>My passes · Ticketing</title>
      </Head>
      <div className="passes-head">
        <h1>My passes</h1>
        {valid > 0 && (
          <button type="button" className="btn no-print" onClick={() => window.print()}>
            Print my passes
          </button>
        )}
      </div>
      <p className="muted no-print">
        One pass per seat you bought. Show its code at the gate, on your phone or printed: each code lets one person in,
        once.
      </p>
      <ErrorAlert errors={loadError?.errors} title="Could not load your passes" />
      {!loadError && list.length === 0 && (
        <p className="empty">
          No passes yet: they appear here within seconds of paying for an order. <Link href="/events">Find an event</Link>.
        </p>
      )}
      {list.length > 0 && (
        <ul className="pass-list" aria-label="My passes">
          {list.map((pass) => (
            <PassCard
              key={pass.id}
              pass={pass}
              event={pass.eventId ? events[pass.eventId] : undefined}
              onSent={() => setList((all) => all.map((p) => (p.id === pass.id ? { ...p, status: 'void' } : p)))}
            />
          ))}
        </ul>
      )}
      <p className="muted no-print">
        Organizing an event? <Link href="/gate">Open the gate</Link> to admit your guests.
      </p>
    </>
  );
}

function PassCard({ pass, event, onSent }: { pass: Pass; event?: LiveEvent; onSent: () => void }) {
  const name = event?.name ?? pass.title;
  const seat = seatLabel(pass.seat);
  const [sentTo, setSentTo] = useState<string | null>(null);
  return (
    <li className={`card pass pass-${pass.status}`} aria-label={`${name}, ${seat}`}>
      <div className="pass-body">
        <div className="pass-info">
          <h2 className="pass-title">{name}</h2>
          {event && (
            <p className="pass-event">
              <LocalTime iso={event.startsAt} timeStyle="short" /> · {event.venue}, {event.city}
            </p>
          )}
          <p className="pass-seat">{seat}</p>
          <p className="pass-status">
            <StatusBadge status={pass.status} /> <span className="muted">{passStatusMeaning(pass.status)}</span>
          </p>
        </div>
        {pass.status === 'valid' ? (
          <div className="pass-code">
            <PassQrCode code={pass.code} label={`QR code of the pass for ${name}, ${seat}`} />
            <p className="pass-code-text">
              <span className="visually-hidden">Code: </span>
              {pass.code}
            </p>
          </div>
        ) : null}
      </div>
      {sentTo && (
        <p className="success no-print" role="status">
          Sent to {sentTo}: the pass is theirs now.
        </p>
      )}
      {pass.status === 'valid' && (
        <SendToFriend
          passId={pass.id}
          seat={seat}
          onSent={(email) => {
            setSentTo(email);
            onSent();
          }}
        />
      )}
    </li>
  );
}

/** "Send to a friend": the pass goes to another registered user by email; this code stops working at once. */
function SendToFriend({ passId, seat, onSent }: { passId: string; seat: string; onSent: (email: string) => void }) {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState('');
  const { run, pending, errors } = useRequest();
  const fieldErrors = errors.filter((e) => e.field === 'email').map((e) => e.message);
  const otherErrors = errors.filter((e) => e.field !== 'email');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(
      (client) => client.post<{ id: string }>(`/api/passes/${passId}/transfer`, { email }),
      () => onSent(email.trim()),
    );
  };

  if (!open) {
    return (
      <button type="button" className="btn btn-link no-print" onClick={() => setOpen(true)} aria-label={`Send to a friend: ${seat}`}>
        Send to a friend
      </button>
    );
  }
  return (
    <form className="send-pass no-print" onSubmit={submit} noValidate>
      <FormField
        name="email"
        label="Your friend's email"
        idPrefix={`send-${passId}`}
        type="email"
        autoComplete="off"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        errors={fieldErrors}
        hint="They need a Ticketing account. This code stops working as soon as you send it."
        required
      />
      <ErrorAlert errors={otherErrors} title="Could not send the pass" />
      <button type="submit" className="btn btn-primary" disabled={pending} aria-busy={pending || undefined}>
        Send the pass
      </button>
    </form>
  );
}
