import { Listener } from '../bus/listener';
import { Event, Subjects } from '../events';

/** The listener of `subject` among a service's listeners (its handlers table's row); throws if the service has none. */
export function listenerOf(listeners: Listener<Event>[], subject: Subjects): Listener<Event> {
  const listener = listeners.find((l) => l.subject === subject);
  if (!listener) throw new Error(`no listener for ${subject} (subscribed: ${listeners.map((l) => l.subject).join(', ')})`);
  return listener;
}

/** Subscribes only the listeners of `subjects`, for a test about part of a service. */
export async function listenTo(listeners: Listener<Event>[], ...subjects: Subjects[]): Promise<void> {
  for (const subject of subjects) await listenerOf(listeners, subject).listen();
}
