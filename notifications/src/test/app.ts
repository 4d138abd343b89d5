import { DEFAULT_FEES, EventCategory, EventStatus, OrderStatus } from '@ticketing/common';
import { InMemoryBus, newId, TEST_JWT_KEY } from '@ticketing/common/testing';
import { buildApp } from '../app';
import { EventReplica } from '../data/event';
import { Email, MailSettings, MailTransport } from '../domain/mail';
import { notifierFor } from '../domain/notify';
import { listenersOf } from '../entry-points/listeners';

/** The service as tests drive it: the app (plain-http cookies, the test JWT key) and an in-memory bus with every listener (no sender in process: emails wait for a pass). */
export function testService() {
  const bus = new InMemoryBus();
  const app = buildApp({ JWT_KEY: TEST_JWT_KEY, JWT_TTL_SECONDS: 3600, COOKIE_SECURE: false }, bus);
  const listening = Promise.all(listenersOf(bus, DEFAULT_FEES, notifierFor()).map((l) => l.listen()));
  return { app, bus, listening };
}

/** An event in the replica, as event:created would have stored it. */
export async function knownEvent(attrs: Partial<{ name: string; status: EventStatus }> = {}) {
  const id = newId();
  await EventReplica.create({ _id: id, name: attrs.name ?? 'Summer Tour', startsAt: new Date(Date.now() + 30 * 86400_000), status: attrs.status ?? EventStatus.Scheduled, version: 0 });
  return id;
}

/** An event:created / event:cancelled message's data. */
export const eventData = (id: string, version = 0, status = EventStatus.Scheduled) => ({
  id,
  version,
  name: 'Summer Tour',
  venue: 'Arena',
  city: 'Springfield',
  startsAt: new Date(Date.now() + 30 * 86400_000).toISOString(),
  category: EventCategory.Concert,
  status,
  organizerId: newId(),
});

/** An order:created message's data. */
export const orderData = (attrs: Partial<{ id: string; userId: string; sellerId: string; ticketId: string; eventId: string; quantity: number; total: number; expiresAt: string }> = {}) => ({
  id: attrs.id ?? newId(),
  version: 0,
  status: OrderStatus.Created,
  userId: attrs.userId ?? newId(),
  expiresAt: attrs.expiresAt ?? new Date(Date.now() + 15 * 60_000).toISOString(),
  ticket: { id: attrs.ticketId ?? newId(), price: 25, userId: attrs.sellerId ?? newId(), ...(attrs.eventId ? { eventId: attrs.eventId } : {}) },
  quantity: attrs.quantity ?? 2,
  fee: 3,
  total: attrs.total ?? 56,
});

/** A ticket:created message's data (a listing of an event). */
export const listingData = (attrs: Partial<{ id: string; version: number; price: number; fee: number; userId: string; eventId: string; quantity: number }> = {}) => ({
  id: attrs.id ?? newId(),
  version: attrs.version ?? 0,
  title: 'Summer Tour floor',
  price: attrs.price ?? 25,
  fee: attrs.fee ?? 3,
  userId: attrs.userId ?? newId(),
  ...(attrs.eventId ? { eventId: attrs.eventId } : {}),
  quantity: attrs.quantity ?? 2,
});

/**
 * An SMTP stand-in that records what it is handed, and can be made to fail
 * (the server down), to take a while per email (`delayMs`), or to hold each
 * email until the test lets it go (`hold`); it counts the emails at it at once.
 */
export class RecordingTransport implements MailTransport {
  readonly sent: Email[] = [];
  down = false;
  delayMs = 0;
  hold?: () => Promise<void>;
  active = 0;
  maxActive = 0;
  async send(email: Email): Promise<void> {
    this.active += 1;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      if (this.hold) await this.hold();
      if (this.down) throw new Error('connect ECONNREFUSED 127.0.0.1:1025');
      this.sent.push(email);
    } finally {
      this.active -= 1;
    }
  }
}

export const testMailSettings: MailSettings = { publicUrl: 'https://ticketing.dev', backoff: { baseMs: 1, maxMs: 4 }, claimMs: 60_000, batchSize: 50, concurrency: 8 };
