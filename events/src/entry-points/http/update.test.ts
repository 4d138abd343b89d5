import request from 'supertest';
import { EventStatus, Subjects } from '@ticketing/common';
import { newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Event } from '../../data/event';
import { buildEvent, createEvent, daysFromNow, eventBody, testService } from '../../test/app';

useTestDatabase();
const { app, bus, published } = testService();
beforeEach(() => bus.clear());

const put = (id: string, body: unknown, cookie?: string[]) => {
  const req = request(app).put(`/api/events/${id}`);
  if (cookie) req.set('Cookie', cookie);
  return req.send(body as object);
};

/** The event:created of the setup published and forgotten: what follows is the test's. */
const settled = async () => {
  await published(Subjects.EventCreated);
  bus.clear();
};

describe('PUT /api/events/:id', () => {
  it('answers 401 without a session, before looking the event up', async () => {
    const { event } = await createEvent(app);
    expect((await put(event.id, eventBody()).expect(401)).body).toEqual({ errors: [{ message: 'Not authorized' }] });
    await put(newId(), eventBody()).expect(401);
  });

  it.each([[newId()], ['not-an-id']])('answers 404 Not Found for %j', async (id) => {
    const res = await put(id, eventBody(), signin()).expect(404);
    expect(res.body).toEqual({ errors: [{ message: 'Not Found' }] });
  });

  it('answers 401 to someone who is not the organizer (an admin too), and changes nothing', async () => {
    const { event } = await createEvent(app);
    await settled();
    await put(event.id, eventBody({ name: 'Mine now' }), signin()).expect(401);
    await put(event.id, eventBody({ name: 'Mine now' }), signin({ email: 'boss@example.com' })).expect(401);
    expect(await Event.findById(event.id)).toMatchObject({ name: 'Summer Tour', version: 0 });
    expect(await published(Subjects.EventUpdated)).toEqual([]);
  });

  it('answers 400 Cannot edit a cancelled event to its organizer, after the 401 for a stranger', async () => {
    const organizerId = newId();
    const event = await buildEvent({ organizerId, status: EventStatus.Cancelled });
    const res = await put(event.id, eventBody({ name: 'Back on' }), signin({ id: organizerId })).expect(400);
    expect(res.body).toEqual({ errors: [{ message: 'Cannot edit a cancelled event' }] });
    await put(event.id, eventBody(), signin()).expect(401);
    expect(await Event.findById(event.id)).toMatchObject({ name: 'Summer Tour', status: 'cancelled', version: 0 });
    expect(await published(Subjects.EventUpdated)).toEqual([]);
  });

  it('validates the body as POST does, and changes nothing', async () => {
    const { event, cookie } = await createEvent(app);
    await settled();
    const res = await put(event.id, { performer: 5 }, cookie).expect(400);
    expect(res.body.errors).toEqual([
      { message: 'Name is required', field: 'name' },
      { message: 'Performer must be text of at most 200 characters', field: 'performer' },
      { message: 'Venue is required', field: 'venue' },
      { message: 'City is required', field: 'city' },
      { message: 'Start time must be in the future', field: 'startsAt' },
      { message: 'Category is not valid', field: 'category' },
    ]);
    const past = await put(event.id, eventBody({ startsAt: daysFromNow(-1) }), cookie).expect(400);
    expect(past.body).toEqual({ errors: [{ message: 'Start time must be in the future', field: 'startsAt' }] });
    expect(await Event.findById(event.id)).toMatchObject({ name: 'Summer Tour', version: 0 });
    expect(await published(Subjects.EventUpdated)).toEqual([]);
  });

  it('updates the event for its organizer: 200 with the new version, stored, and publishes event:updated with it', async () => {
    const { event, cookie, organizerId } = await createEvent(app);
    await settled();
    const startsAt = daysFromNow(60);
    const res = await put(event.id, eventBody({ name: 'Winter Tour', venue: 'Dome', city: 'Shelbyville', startsAt, category: 'festival', performer: 'Another Band' }), cookie).expect(200);
    expect(res.body).toEqual({
      id: event.id,
      name: 'Winter Tour',
      performer: 'Another Band',
      venue: 'Dome',
      city: 'Shelbyville',
      startsAt,
      category: 'festival',
      status: 'scheduled',
      organizerId,
      version: 1,
    });
    expect((await request(app).get(`/api/events/${event.id}`).expect(200)).body).toEqual(res.body);
    expect(await published(Subjects.EventUpdated)).toEqual([res.body]);
  });

  it('removes the performer when the edit has none (PUT says the whole event)', async () => {
    const { event, cookie } = await createEvent(app, { performer: 'The Band' });
    const res = await put(event.id, eventBody({ performer: undefined }), cookie).expect(200);
    expect('performer' in res.body).toBe(false);
    expect((await Event.findById(event.id))!.performer).toBeUndefined();
    const [update] = await published(Subjects.EventUpdated);
    expect('performer' in update).toBe(false);
  });

  it('answers 200 to an edit that changes nothing, without a new version or a message', async () => {
    const { event, cookie } = await createEvent(app);
    await settled();
    const res = await put(event.id, eventBody({ name: ' Summer Tour ', startsAt: event.startsAt }), cookie).expect(200);
    expect(res.body).toEqual(event);
    await published(Subjects.EventUpdated);
    expect(bus.published).toEqual([]);
  });

  it('applies every one of 10 concurrent edits (no 409: the contract has none), each a distinct published version', async () => {
    const { event, cookie } = await createEvent(app);
    await settled();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => put(event.id, eventBody({ name: `Edit ${i}` }), cookie)));
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 10 }, () => 200));
    const versions = results.map((r) => r.body.version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    const last = results.find((r) => r.body.version === 10)!;
    expect(await Event.findById(event.id)).toMatchObject({ name: last.body.name, version: 10 });
    const updates = await published(Subjects.EventUpdated);
    expect(updates.map((u) => u.version).sort((a, b) => a - b)).toEqual(versions);
    for (const u of updates) expect(u.name).toBe(results.find((r) => r.body.version === u.version)!.body.name);
  });

  it('refuses an edit racing a cancel once the cancel has landed (decided again on the fresh event)', async () => {
    const { event, cookie } = await createEvent(app);
    await settled();
    const [edit, cancel] = await Promise.all([
      put(event.id, eventBody({ name: 'Racing' }), cookie),
      request(app).post(`/api/events/${event.id}/cancel`).set('Cookie', cookie).send({}),
    ]);
    expect(cancel.status).toBe(200);
    expect(cancel.body.status).toBe('cancelled');
    // Either the edit landed first (and the cancel carries it) or it found the event cancelled.
    if (edit.status === 200) {
      expect(cancel.body).toMatchObject({ name: 'Racing', version: 2 });
    } else {
      expect(edit.status).toBe(400);
      expect(edit.body).toEqual({ errors: [{ message: 'Cannot edit a cancelled event' }] });
      expect(cancel.body).toMatchObject({ name: 'Summer Tour', version: 1 });
    }
    expect(await published(Subjects.EventCancelled)).toHaveLength(1);
  });
});
