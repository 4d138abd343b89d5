import { newId, signin, useTestDatabase } from '@ticketing/common/testing';
import request from 'supertest';
import { NotificationKind } from '../../domain/kinds';
import { notifierFor } from '../../domain/notify';
import { testService } from '../../test/app';
import { IDS_INVALID } from './validators';

useTestDatabase();
const { app } = testService();
const notify = notifierFor();

async function inboxOf(userId: string, count: number) {
  for (let i = 0; i < count; i += 1) {
    await notify(userId, NotificationKind.OrderPaid, newId(), { orderId: newId(), title: `Show ${i}`, quantity: 1, amount: 28 });
  }
}

describe('GET /api/notifications', () => {
  it('is 401 Not authorized without a session', async () => {
    const res = await request(app).get('/api/notifications').expect(401);
    expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
  });

  it("answers the caller's notifications newest first with the unread count, nobody else's", async () => {
    const me = newId();
    await inboxOf(me, 3);
    await inboxOf(newId(), 2);
    const res = await request(app).get('/api/notifications').set('Cookie', signin({ id: me })).expect(200);
    expect(res.body.unread).toBe(3);
    expect(res.body.items).toHaveLength(3);
    expect(res.body.items.map((n: { message: string }) => n.message)).toEqual([
      'Your order of 1 ticket for Show 2 is paid ($28.00). Enjoy the show!',
      'Your order of 1 ticket for Show 1 is paid ($28.00). Enjoy the show!',
      'Your order of 1 ticket for Show 0 is paid ($28.00). Enjoy the show!',
    ]);
    expect(res.body.items[0]).toEqual({ id: expect.any(String), kind: 'order-paid', message: expect.any(String), link: expect.stringMatching(/^\/orders\//), createdAt: expect.any(String), read: false });
  });
});

describe('POST /api/notifications/read', () => {
  it('is 401 Not authorized without a session', async () => {
    const res = await request(app).post('/api/notifications/read').send({}).expect(401);
    expect(res.body).toEqual({ errors: [{ message: 'Not authorized' }] });
  });

  it('marks every notification of the caller read when ids is absent, and answers the unread count', async () => {
    const me = newId();
    const other = newId();
    await inboxOf(me, 2);
    await inboxOf(other, 1);
    const res = await request(app).post('/api/notifications/read').set('Cookie', signin({ id: me })).send({}).expect(200);
    expect(res.body).toEqual({ unread: 0 });
    const mine = await request(app).get('/api/notifications').set('Cookie', signin({ id: me })).expect(200);
    expect(mine.body.items.every((n: { read: boolean }) => n.read)).toBe(true);
    const theirs = await request(app).get('/api/notifications').set('Cookie', signin({ id: other })).expect(200);
    expect(theirs.body.unread).toBe(1);
  });

  it("marks only the given ids read; another user's ids change nothing", async () => {
    const me = newId();
    const other = newId();
    await inboxOf(me, 3);
    await inboxOf(other, 1);
    const cookie = signin({ id: me });
    const { body } = await request(app).get('/api/notifications').set('Cookie', cookie).expect(200);
    const theirs = await request(app).get('/api/notifications').set('Cookie', signin({ id: other })).expect(200);
    const res = await request(app)
      .post('/api/notifications/read')
      .set('Cookie', cookie)
      .send({ ids: [body.items[0].id, theirs.body.items[0].id] })
      .expect(200);
    expect(res.body).toEqual({ unread: 2 });
    const after = await request(app).get('/api/notifications').set('Cookie', signin({ id: other })).expect(200);
    expect(after.body.unread).toBe(1);
  });

  it('is 400 for a body that is a JSON array, and marks nothing', async () => {
    const me = newId();
    await inboxOf(me, 1);
    const res = await request(app).post('/api/notifications/read').set('Cookie', signin({ id: me })).send([]).expect(400);
    expect(res.body.errors[0].message).toBe(IDS_INVALID);
    expect((await request(app).get('/api/notifications').set('Cookie', signin({ id: me })).expect(200)).body.unread).toBe(1);
  });

  it.each([[['nope']], ['abc'], [[1, 2]]])('is 400 for ids %j that are not a list of ids', async (ids) => {
    const res = await request(app).post('/api/notifications/read').set('Cookie', signin()).send({ ids }).expect(400);
    expect(res.body).toEqual({ errors: [{ message: IDS_INVALID, field: 'ids' }] });
  });
});
