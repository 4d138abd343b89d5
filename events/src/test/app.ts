import { EventCategory, EventData, EventStatus, OutboxRelay, Subjects } from '@ticketing/common';
import { InMemoryBus, newId, signin, TEST_JWT_KEY } from '@ticketing/common/testing';
import request from 'supertest';
import { buildApp } from '../app';
import { Event, EventDoc, EventJSON } from '../data/event';

/** The admin of the tests' app (ADMIN_EMAILS). */
export const ADMIN_EMAIL = 'boss@example.com';

/**
 * The service as tests drive it: the app (plain-http cookies, the test JWT
 * key, one admin), an in-memory bus, and an outbox relay that publishes to
 * it when a test calls `published()` (it is never started: no timers).
 */
export function testService() {
  const bus = new InMemoryBus();
  const relay = new OutboxRelay(bus, [Event]);
  const app = buildApp({ JWT_KEY: TEST_JWT_KEY, JWT_TTL_SECONDS: 3600, COOKIE_SECURE: false, ADMIN_EMAILS: [ADMIN_EMAIL] }, bus);
  /** Publishes what is staged, then returns the data published on a subject. */
  const published = async <S extends Subjects>(subject: S): Promise<EventData<S>[]> => {
    await relay.flush();
    return bus.publishedData(subject);
  };
  return { app, bus, relay, published };
}

/** An ISO time `days` from now (negative: in the past). */
export const daysFromNow = (days: number) => new Date(Date.now() + days * 24 * 60 * 60 * 1000).toISOString();

/** A valid POST/PUT body. */
export const eventBody = (attrs: Partial<Record<'name' | 'performer' | 'venue' | 'city' | 'startsAt' | 'category', unknown>> = {}) => ({
  name: 'Summer Tour',
  performer: 'The Band',
  venue: 'Arena',
  city: 'Springfield',
  startsAt: daysFromNow(30),
  category: EventCategory.Concert,
  ...attrs,
});

/** Creates an event through the API; returns its JSON and its organizer's cookie. */
export async function createEvent(app: Parameters<typeof request>[0], attrs: Parameters<typeof eventBody>[0] = {}, organizerId: string = newId()) {
  const cookie = signin({ id: organizerId });
  const res = await request(app).post('/api/events').set('Cookie', cookie).send(eventBody(attrs)).expect(201);
  return { event: res.body as EventJSON, cookie, organizerId };
}

/** Stores an event straight in the database (no message staged): one in the past, or already cancelled. */
export async function buildEvent(
  attrs: Partial<{ name: string; performer: string; venue: string; city: string; startsAt: Date; category: EventCategory; status: EventStatus; organizerId: string }> = {},
): Promise<EventDoc> {
  const event = new Event({
    name: 'Summer Tour',
    venue: 'Arena',
    city: 'Springfield',
    startsAt: new Date(daysFromNow(30)),
    category: EventCategory.Concert,
    organizerId: newId(),
    ...attrs,
  });
  await event.save();
  return event;
}
