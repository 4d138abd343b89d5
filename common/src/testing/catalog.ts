import { eventCatalog, ServiceName, Subjects } from '../events';

interface ListenerLike {
  subject: string;
  queueGroupName: string;
}

/**
 * A service's listeners against the event catalog: what it subscribes to
 * (subject and queue group) must be exactly what the catalog lists for it.
 * Returns both sides, sorted, for one `toEqual` in the service's test.
 */
export function subscriptionsOf(service: ServiceName, listeners: ListenerLike[]) {
  const listed = Object.entries(eventCatalog)
    .flatMap(([subject, entry]) => entry.subscribers.filter((s) => s.service === service).map((s) => `${subject} → ${s.queueGroup}`))
    .sort();
  const subscribed = listeners.map((l) => `${l.subject} → ${l.queueGroupName}`).sort();
  return { subscribed, listed };
}

/** The subjects the catalog says a service publishes. */
export const publishedBy = (service: ServiceName): Subjects[] =>
  (Object.keys(eventCatalog) as Subjects[]).filter((s) => eventCatalog[s].publisher === service);
