import request from 'supertest';
import { EventCategory, EventStatus } from '@ticketing/common';
import { newId, useTestDatabase } from '@ticketing/common/testing';
import { buildEvent, createEvent, daysFromNow, testService } from '../../test/app';

useTestDatabase();
const { app } = testService();

const list = (query: Record<string, string | string[]> = {}) => request(app).get('/api/events').query(query);
const names = (res: { body: { name: string }[] }) => res.body.map((e) => e.name);

describe('GET /api/events/:id', () => {
  it('answers 200 with the event, whatever its status (a cancelled one and one that has started too)', async () => {
    const { event } = await createEvent(app);
    expect((await request(app).get(`/api/events/${event.id}`).expect(200)).body).toEqual(event);
    const cancelled = await buildEvent({ status: EventStatus.Cancelled });
    expect((await request(app).get(`/api/events/${cancelled.id}`).expect(200)).body).toMatchObject({ id: cancelled.id, status: 'cancelled' });
    const past = await buildEvent({ startsAt: new Date(daysFromNow(-3)) });
    expect((await request(app).get(`/api/events/${past.id}`).expect(200)).body).toMatchObject({ id: past.id, status: 'scheduled' });
  });

  it.each([[newId()], ['not-an-id'], ['zzzzzzzzzzzzzzzzzzzzzzzz']])('answers 404 Not Found for %j', async (id) => {
    const res = await request(app).get(`/api/events/${id}`).expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });
});

describe('GET /api/events', () => {
  it('lists scheduled events that have not started, soonest first, in the contract shape', async () => {
    await buildEvent({ name: 'Later', startsAt: new Date(daysFromNow(20)) });
    await buildEvent({ name: 'Soonest', startsAt: new Date(daysFromNow(1)) });
    await buildEvent({ name: 'Middle', startsAt: new Date(daysFromNow(5)) });
    await buildEvent({ name: 'Cancelled', startsAt: new Date(daysFromNow(2)), status: EventStatus.Cancelled });
    await buildEvent({ name: 'Started', startsAt: new Date(Date.now() - 60 * 1000) });
    const res = await list().expect(200);
    expect(names(res)).toEqual(['Soonest', 'Middle', 'Later']);
    expect(Object.keys(res.body[0]).sort()).toEqual(['category', 'city', 'id', 'name', 'organizerId', 'startsAt', 'status', 'venue', 'version']);
  });

  it('takes empty search fields as absent (a search form sends every field)', async () => {
    await buildEvent({ name: 'Gig', startsAt: new Date(daysFromNow(1)) });
    expect(names(await list({ q: '', category: '', city: '', from: '', to: '' }).expect(200))).toEqual(['Gig']);
  });

  it('answers an empty list when there is nothing to offer', async () => {
    expect((await list().expect(200)).body).toEqual([]);
  });

  it('searches name, performer and venue with q: contains, case-insensitive, the text taken literally', async () => {
    await buildEvent({ name: 'Jazz Night', venue: 'Blue Room', startsAt: new Date(daysFromNow(1)) });
    await buildEvent({ name: 'Big Show', performer: 'The JAZZ Trio', startsAt: new Date(daysFromNow(2)) });
    await buildEvent({ name: 'Quiz', venue: 'Jazzhaus', startsAt: new Date(daysFromNow(3)) });
    await buildEvent({ name: 'Rock (live)', startsAt: new Date(daysFromNow(4)) });
    expect(names(await list({ q: 'jazz' }).expect(200))).toEqual(['Jazz Night', 'Big Show', 'Quiz']);
    expect(names(await list({ q: '  blue room ' }).expect(200))).toEqual(['Jazz Night']);
    expect(names(await list({ q: '(live)' }).expect(200))).toEqual(['Rock (live)']);
    expect(names(await list({ q: '.*' }).expect(200))).toEqual([]);
  });

  it('filters by category and by city (the whole name, case-insensitive)', async () => {
    await buildEvent({ name: 'Match', category: EventCategory.Sports, city: 'Boston', startsAt: new Date(daysFromNow(1)) });
    await buildEvent({ name: 'Gig', category: EventCategory.Concert, city: 'Boston', startsAt: new Date(daysFromNow(2)) });
    await buildEvent({ name: 'Other gig', category: EventCategory.Concert, city: 'New Boston', startsAt: new Date(daysFromNow(3)) });
    expect(names(await list({ category: 'sports' }).expect(200))).toEqual(['Match']);
    expect(names(await list({ city: 'boston' }).expect(200))).toEqual(['Match', 'Gig']);
    expect(names(await list({ city: 'BOSTON', category: 'concert' }).expect(200))).toEqual(['Gig']);
    expect(names(await list({ category: 'comedy' }).expect(200))).toEqual([]);
  });

  it('filters on the start time with from and to (inclusive; a day alone is its UTC midnight), never showing what has started', async () => {
    await buildEvent({ name: 'June 1', startsAt: new Date('2099-06-01T19:00:00Z') });
    await buildEvent({ name: 'June 10', startsAt: new Date('2099-06-10T19:00:00Z') });
    await buildEvent({ name: 'July 1', startsAt: new Date('2099-07-01T19:00:00Z') });
    await buildEvent({ name: 'Started', startsAt: new Date(daysFromNow(-1)) });
    expect(names(await list({ from: '2099-06-05' }).expect(200))).toEqual(['June 10', 'July 1']);
    expect(names(await list({ to: '2099-06-10T19:00:00Z' }).expect(200))).toEqual(['June 1', 'June 10']);
    expect(names(await list({ from: '2099-06-01T19:00:00Z', to: '2099-06-30' }).expect(200))).toEqual(['June 1', 'June 10']);
    expect(names(await list({ from: '2000-01-01' }).expect(200))).toEqual(['June 1', 'June 10', 'July 1']);
    expect(names(await list({ from: '2099-07-02', to: '2099-06-01' }).expect(200))).toEqual([]);
  });

  it('pages with limit (default 50) and offset, keeping the soonest-first order', async () => {
    for (let i = 0; i < 55; i++) await buildEvent({ name: `E${String(i).padStart(2, '0')}`, startsAt: new Date(Date.now() + (i + 1) * 3600 * 1000) });
    const first = await list().expect(200);
    expect(first.body).toHaveLength(50);
    expect(names(first)[0]).toBe('E00');
    expect(names(await list({ limit: '3', offset: '10' }).expect(200))).toEqual(['E10', 'E11', 'E12']);
    expect(names(await list({ offset: '50' }).expect(200))).toEqual(['E50', 'E51', 'E52', 'E53', 'E54']);
    expect((await list({ limit: '100' }).expect(200)).body).toHaveLength(55);
    expect((await list({ offset: '1000' }).expect(200)).body).toEqual([]);
  });

  it.each([
    [{ limit: '0' }, 'Limit must be an integer between 1 and 100', 'limit'],
    [{ limit: '101' }, 'Limit must be an integer between 1 and 100', 'limit'],
    [{ limit: 'ten' }, 'Limit must be an integer between 1 and 100', 'limit'],
    [{ limit: ['1', '2'] }, 'Limit must be an integer between 1 and 100', 'limit'],
    [{ offset: '-1' }, 'Offset must be a non-negative integer', 'offset'],
    [{ offset: '1.5' }, 'Offset must be a non-negative integer', 'offset'],
    [{ category: 'opera' }, 'Category is not valid', 'category'],
    [{ category: ['concert', 'sports'] }, 'Category is not valid', 'category'],
    [{ from: 'tomorrow' }, 'From must be an ISO 8601 time', 'from'],
    [{ from: '2099-02-30' }, 'From must be an ISO 8601 time', 'from'],
    [{ to: '2099-06-01T19:00' }, 'To must be an ISO 8601 time', 'to'],
    [{ to: '2099-06-01T19:00Z' }, 'To must be an ISO 8601 time', 'to'],
    [{ to: ['2099-06-01', '2099-06-02'] }, 'To must be an ISO 8601 time', 'to'],
    [{ q: 'x'.repeat(201) }, 'q must be text of at most 200 characters', 'q'],
    [{ q: ['a', 'b'] }, 'q must be text of at most 200 characters', 'q'],
    [{ city: ['a', 'b'] }, 'City must be text of at most 200 characters', 'city'],
  ])('answers 400 for the bad query %j', async (query, message, field) => {
    const res = await list(query).expect(400);
    expect(res.body).toEqual({ errors: [{ message, field }] });
  });

  it('answers 400 (never 500) to query objects', async () => {
    const res = await request(app).get('/api/events?q[$ne]=x&city[$gt]=&from[a]=1').expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['q', 'city', 'from']);
  });
});
