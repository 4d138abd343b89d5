import request from 'supertest';
import { EventStatus, Subjects } from '@ticketing/common';
import { newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Event } from '../../data/event';
import { ADMIN_EMAIL, buildEvent, createEvent, daysFromNow, testService } from '../../test/app';

useTestDatabase();
const { app, bus, published } = testService();
beforeEach(() => bus.clear());

const cancel = (id: string, cookie?: string[]) => {
  const req = request(app).post(`/api/events/${id}/cancel`);
  if (cookie) req.set('Cookie', cookie);
  return req.send({});
};

describe('POST /api/events/:id/cancel', () => {
  it('answers 401 without a session', async () => {
    const { event } = await createEvent(app);
    expect((await cancel(event.id).expect(401)).body).toEqual({ errors: [{ message: 'Not authorized' }] });
    await cancel(newId()).expect(401);
  });

  it.each([[newId()], ['not-an-id']])('answers 404 Not Found for %j', async (id) => {
    expect((await cancel(id, signin()).expect(404)).body).toEqual({ errors: [{ message: 'Not Found' }] });
  });

  it('answers 401 to someone who is neither the organizer nor an admin, and changes nothing', async () => {
    const { event } = await createEvent(app);
    await cancel(event.id, signin({ email: 'someone@example.com' })).expect(401);
    expect(await Event.findById(event.id)).toMatchObject({ status: 'scheduled', version: 0 });
    expect(await published(Subjects.EventCancelled)).toEqual([]);
  });

  it('cancels for the organizer: 200 with status cancelled and the new version, stored, event:cancelled published with it', async () => {
    const { event, cookie } = await createEvent(app);
    const res = await cancel(event.id, cookie).expect(200);
    expect(res.body).toEqual({ ...event, status: 'cancelled', version: 1 });
    expect((await request(app).get(`/api/events/${event.id}`).expect(200)).body).toEqual(res.body);
    expect(await published(Subjects.EventCancelled)).toEqual([res.body]);
    // No longer offered.
    expect((await request(app).get('/api/events').expect(200)).body).toEqual([]);
  });

  it('cancels for an admin (ADMIN_EMAILS, whatever the case of the email)', async () => {
    const { event } = await createEvent(app);
    const res = await cancel(event.id, signin({ email: ADMIN_EMAIL.toUpperCase() })).expect(200);
    expect(res.body).toMatchObject({ status: 'cancelled', organizerId: event.organizerId });
    expect(await published(Subjects.EventCancelled)).toHaveLength(1);
  });

  it('cancels an event that has already started too', async () => {
    const organizerId = newId();
    const event = await buildEvent({ organizerId, startsAt: new Date(daysFromNow(-1)) });
    expect((await cancel(event.id, signin({ id: organizerId })).expect(200)).body.status).toBe('cancelled');
  });

  it('publishes event:cancelled once: repeating the cancel answers 200 and changes nothing', async () => {
    const { event, cookie } = await createEvent(app);
    const first = await cancel(event.id, cookie).expect(200);
    const again = await cancel(event.id, cookie).expect(200);
    const byAdmin = await cancel(event.id, signin({ email: ADMIN_EMAIL })).expect(200);
    expect(again.body).toEqual(first.body);
    expect(byAdmin.body).toEqual(first.body);
    expect(await Event.findById(event.id)).toMatchObject({ status: EventStatus.Cancelled, version: 1 });
    expect(await published(Subjects.EventCancelled)).toHaveLength(1);
  });

  it('publishes event:cancelled exactly once for 20 concurrent cancels by the organizer and an admin; all answer 200', async () => {
    const { event, cookie } = await createEvent(app);
    const admin = signin({ email: ADMIN_EMAIL });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => cancel(event.id, i % 2 ? cookie : admin)));
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));
    for (const r of results) expect(r.body).toMatchObject({ status: 'cancelled', version: 1 });
    expect(await Event.findById(event.id)).toMatchObject({ status: EventStatus.Cancelled, version: 1 });
    expect(await published(Subjects.EventCancelled)).toEqual([{ ...event, status: 'cancelled', version: 1 }]);
  });
});

it('answers 415 to a cancel that does not say it is JSON (no form-post CSRF)', async () => {
  const { event, cookie } = await createEvent(app);
  await request(app).post(`/api/events/${event.id}/cancel`).set('Cookie', cookie).set('Content-Type', 'text/plain').send('x').expect(415);
  expect(await Event.findById(event.id)).toMatchObject({ status: 'scheduled' });
});
