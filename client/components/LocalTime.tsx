import { useEffect, useState } from 'react';

const utc = new Intl.DateTimeFormat('en-US', {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/**
 * A date in the viewer's locale and time zone. The server cannot know
 * either, so it prints UTC; the browser swaps in the local form after
 * hydration (no hydration mismatch). `timeStyle="short"` leaves out the
 * seconds (an event's start, unlike an order's deadline, has none).
 */
export default function LocalTime({ iso, timeStyle = 'medium' }: { iso: string; timeStyle?: 'short' | 'medium' }) {
  const date = new Date(iso);
  const valid = !Number.isNaN(date.getTime());
  const [text, setText] = useState(() => (valid ? `${utc.format(date)} UTC` : iso));
  useEffect(() => {
    const local = new Date(iso);
    if (!Number.isNaN(local.getTime())) setText(new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle }).format(local));
  }, [iso, timeStyle]);
  return <time dateTime={valid ? date.toISOString() : undefined}>{text}</time>;
}
