import { newId, signin, useTestDatabase } from '@ticketing/common/testing';
import request from 'supertest';
import { Watch } from '../../data/watch';
import { knownEvent, testService } from '../../test/app';

useTestDatabase();
const { app } = testService();

describe('POST /api/notifications/watches', () => {
  it('is 401 Not authorized without a session', async () => {
    const res = await request(app).post('/api/notifications/watches').send({ eventId: newId(), maxPrice: 30 }).expect(401);
    expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
  });

  it('watches a known event: 201 {id, eventId, maxPrice}', async () => {
    const eventId = await knownEvent();
    const res = await request(app).post('/api/notifications/watches').set('Cookie', signin()).send({ eventId, maxPrice: 30.5 }).expect(201);
    expect(res.body).toEqual({ id: expect.any(String), eventId, maxPrice: 30.5 });
    expect(await Watch.countDocuments({ eventId })).toBe(1);
  });

  it('is 400 Event not found for an unknown event, and for a malformed id', async () => {
    const unknown = await request(app).post('/api/notifications/watches').set('Cookie', signin()).send({ eventId: newId(), maxPrice: 30 }).expect(400);
    expect(unknown.body.errors).toEqual([{ message: 'Event not found' }]);
    const malformed = await request(app).post('/api/notifications/watches').set('Cookie', signin()).send({ eventId: 'nope', maxPrice: 30 }).expect(400);
    expect(malformed.body.errors).toEqual([{ message: 'Event not found', field: 'eventId' }]);
    expect(await Watch.countDocuments()).toBe(0);
  });

  it.each([0, -5, '30', null, 2_000_000])('is 400 Price must be greater than 0 for maxPrice %j', async (maxPrice) => {
    const eventId = await knownEvent();
    const res = await request(app).post('/api/notifications/watches').set('Cookie', signin()).send({ eventId, maxPrice }).expect(400);
    expect(res.body.errors).toEqual([{ message: 'Price must be greater than 0', field: 'maxPrice' }]);
  });
});

describe('GET /api/notifications/watches', () => {
  it('is 401 Not authorized without a session', async () => {
    await request(app).get('/api/notifications/watches').expect(401);
  });

  it("answers the caller's watches only", async () => {
    const eventId = await knownEvent();
    const me = signin();
    await request(app).post('/api/notifications/watches').set('Cookie', me).send({ eventId, maxPrice: 40 }).expect(201);
    await request(app).post('/api/notifications/watches').set('Cookie', signin()).send({ eventId, maxPrice: 50 }).expect(201);
    const res = await request(app).get('/api/notifications/watches').set('Cookie', me).expect(200);
    expect(res.body).toEqual([{ id: expect.any(String), eventId, maxPrice: 40 }]);
  });
});

describe('DELETE /api/notifications/watches/:id', () => {
  async function watch(cookie: string[]) {
    const eventId = await knownEvent();
    return (await request(app).post('/api/notifications/watches').set('Cookie', cookie).send({ eventId, maxPrice: 40 }).expect(201)).body as { id: string };
  }

  it('stops the owner\'s watch: 204', async () => {
    const cookie = signin();
    const { id } = await watch(cookie);
    await request(app).delete(`/api/notifications/watches/${id}`).set('Cookie', cookie).send().expect(204);
    expect(await Watch.findById(id)).toBeNull();
  });

  it("is 401 for someone else's watch, which stays", async () => {
    const { id } = await watch(signin());
    const res = await request(app).delete(`/api/notifications/watches/${id}`).set('Cookie', signin()).send().expect(401);
    expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
    expect(await Watch.findById(id)).not.toBeNull();
  });

  it('is 404 for an unknown or malformed id, 401 without a session', async () => {
    const unknown = await request(app).delete(`/api/notifications/watches/${newId()}`).set('Cookie', signin()).send().expect(404);
    expect(unknown.body).toEqual({ errors: [{ message: 'Not Found' }] });
    await request(app).delete('/api/notifications/watches/nope').set('Cookie', signin()).send().expect(404);
    await request(app).delete(`/api/notifications/watches/${newId()}`).send().expect(401);
  });
});
