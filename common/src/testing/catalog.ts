import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
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

/** Where a service's code stages or publishes an event: saveWithEvent(doc, Subjects.X, …) or publishEvent(bus, Subjects.X, …). */
const PUBLICATION = /\b(?:saveWithEvent|publishEvent)\(\s*[^,()]+,\s*Subjects\.(\w+)/g;

/**
 * A service's publications against the event catalog, read from its source
 * (every non-test .ts file under srcDir): the subjects it stages or
 * publishes must be exactly those the catalog names it the publisher of.
 */
export function publicationsOf(service: ServiceName, srcDir: string) {
  const files = (readdirSync(srcDir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.split(path.sep).includes('test'))
    .map((f) => path.join(srcDir, f));
  const found = new Set<string>();
  for (const file of files) {
    for (const [, key] of readFileSync(file, 'utf8').matchAll(PUBLICATION)) {
      const subject = (Subjects as Record<string, string>)[key];
      if (!subject) throw new Error(`${file}: Subjects.${key} is not a subject`);
      found.add(subject);
    }
  }
  return { published: [...found].sort(), listed: [...publishedBy(service)].sort() };
}
