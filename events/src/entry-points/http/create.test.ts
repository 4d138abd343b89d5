import request from 'supertest';
import { Subjects } from '@ticketing/common';
import { newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Event } from '../../data/event';
import { daysFromNow, eventBody, testService } from '../../test/app';

useTestDatabase();
const { app, bus, published } = testService();
beforeEach(() => bus.clear());

const post = (body: unknown, cookie: string[] | null = signin()) => {
  const req = request(app).post('/api/events');
  if (cookie) req.set('Cookie', cookie);
  return req.send(body as object);
};

describe('POST /api/events', () => {
  it('answers 401 Not authorized without a session, and stores nothing', async () => {
    const res = await post(eventBody(), null).expect(401);
    expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
    await post(eventBody(), signin({}, 'not-the-key')).expect(401);
    expect(await Event.countDocuments()).toBe(0);
  });

  it('schedules the event, the caller its organizer: 201 with the contract shape, version 0, stored', async () => {
    const organizerId = newId();
    const startsAt = daysFromNow(10);
    const res = await post(eventBody({ startsAt }), signin({ id: organizerId })).expect(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      name: 'Summer Tour',
      performer: 'The Band',
      venue: 'Arena',
      city: 'Springfield',
      startsAt,
      category: 'concert',
      status: 'scheduled',
      organizerId,
      version: 0,
    });
    expect(await Event.findById(res.body.id)).toMatchObject({ name: 'Summer Tour', organizerId, version: 0, status: 'scheduled' });
    const shown = await request(app).get(`/api/events/${res.body.id}`).expect(200);
    expect(shown.body).toEqual(res.body);
  });

  it('publishes event:created with the event as stored, once, through the outbox', async () => {
    const res = await post(eventBody()).expect(201);
    expect((await Event.findById(res.body.id))!.outbox).toEqual([expect.objectContaining({ subject: Subjects.EventCreated })]);
    expect(bus.published).toHaveLength(0);
    expect(await published(Subjects.EventCreated)).toEqual([res.body]);
    expect(bus.published).toHaveLength(1);
    expect((await Event.findById(res.body.id))!.outbox).toHaveLength(0);
  });

  it('takes the performer as optional: absent, null or blank means none (no performer key at all)', async () => {
    for (const performer of [undefined, null, '   ']) {
      const res = await post(eventBody({ performer })).expect(201);
      expect('performer' in res.body).toBe(false);
    }
    const data = await published(Subjects.EventCreated);
    expect(data.every((d) => !('performer' in d))).toBe(true);
  });

  it('trims the texts and stores the start time as one instant, whatever offset it was written in', async () => {
    const res = await post(eventBody({ name: '  Tour  ', venue: ' Hall ', city: ' Paris ', performer: ' Solo ', startsAt: '2099-06-01T21:30:00+02:00' })).expect(201);
    expect(res.body).toMatchObject({ name: 'Tour', venue: 'Hall', city: 'Paris', performer: 'Solo', startsAt: '2099-06-01T19:30:00.000Z' });
  });

  it.each(['2099-06-01t19:30:00z', '2099-06-01 19:30:00Z', '2099-06-01T19:30:00.123456789+00:00'])('accepts the RFC 3339 date-time %s', async (startsAt) => {
    const res = await post(eventBody({ startsAt })).expect(201);
    expect(res.body.startsAt).toMatch(/^2099-06-01T19:30:00\.\d{3}Z$/);
  });

  it.each(['concert', 'sports', 'theater', 'comedy', 'festival', 'other'])('accepts the category %s', async (category) => {
    const res = await post(eventBody({ category })).expect(201);
    expect(res.body.category).toBe(category);
  });

  it.each([
    ['name', 'Name is required'],
    ['venue', 'Venue is required'],
    ['city', 'City is required'],
  ])('answers 400 when %s is missing, empty, blank or not text', async (field, message) => {
    for (const value of [undefined, '', '   ', 42, ['x'], { x: 1 }, null]) {
      const res = await post(eventBody({ [field]: value })).expect(400);
      expect(res.body).toEqual({ errors: [{ message, field }] });
    }
    expect(await Event.countDocuments()).toBe(0);
  });

  it.each([
    ['in the past', daysFromNow(-1)],
    ['now-ish (a second ago)', new Date(Date.now() - 1000).toISOString()],
    ['missing', undefined],
    ['not a time', 'next friday'],
    ['a number', 1893456000000],
    ['a day without a time', '2099-06-01'],
    ['a time without an offset', '2099-06-01T19:30:00'],
    ['a time without seconds', '2099-06-01T19:30Z'],
    ['a leap second (not an instant JavaScript keeps)', '2099-06-30T23:59:60Z'],
    ['a day that does not exist', '2099-02-30T19:30:00Z'],
    ['an hour that does not exist', '2099-06-01T25:30:00Z'],
    ['null', null],
  ])('answers 400 Start time must be in the future for a start time %s', async (_what, startsAt) => {
    const res = await post(eventBody({ startsAt })).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Start time must be in the future', field: 'startsAt' }] });
  });

  it.each([['opera'], ['Concert'], [''], [undefined], [3], [['concert']]])('answers 400 Category is not valid for %j', async (category) => {
    const res = await post(eventBody({ category })).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Category is not valid', field: 'category' }] });
  });

  it('answers 400 for a performer that is not text or is too long', async () => {
    const notText = await post(eventBody({ performer: 7 })).expect(400);
    expect(notText.body).toEqual({ errors: [{ message: 'Performer must be text of at most 200 characters', field: 'performer' }] });
    await post(eventBody({ performer: 'x'.repeat(201) })).expect(400);
    await post(eventBody({ performer: 'x'.repeat(200) })).expect(201);
  });

  it('answers 400 for a name, venue or city longer than 200 characters', async () => {
    const res = await post(eventBody({ name: 'n'.repeat(201), venue: 'v'.repeat(201), city: 'c'.repeat(201) })).expect(400);
    expect(res.body.errors).toEqual([
      { message: 'Name must be at most 200 characters', field: 'name' },
      { message: 'Venue must be at most 200 characters', field: 'venue' },
      { message: 'City must be at most 200 characters', field: 'city' },
    ]);
  });

  it('names every failing field at once, in the contract order', async () => {
    const res = await post({}).expect(400);
    expect(res.body.errors).toEqual([
      { message: 'Name is required', field: 'name' },
      { message: 'Venue is required', field: 'venue' },
      { message: 'City is required', field: 'city' },
      { message: 'Start time must be in the future', field: 'startsAt' },
      { message: 'Category is not valid', field: 'category' },
    ]);
    expect(await published(Subjects.EventCreated)).toEqual([]);
  });

  it('answers 400 (never 500) to a body that is not JSON or not an object', async () => {
    const broken = await request(app).post('/api/events').set('Cookie', signin()).set('Content-Type', 'application/json').send('{"name":').expect(400);
    expect(broken.body.errors[0].message).toEqual(expect.any(String));
    await request(app).post('/api/events').set('Cookie', signin()).send([1, 2]).expect(400);
  });
});
