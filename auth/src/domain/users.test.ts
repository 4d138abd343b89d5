// user:created for users who signed up before auth published it: the start-time
// backfill stages one per such user, once, however many replicas run it at once.
import fc from 'fast-check';
import request from 'supertest';
import { Subjects } from '@ticketing/common';
import { gateDatabaseCalls, useTestDatabase, useTestRedis } from '@ticketing/common/testing';
import { User } from '../data/user';
import { testService } from '../test/app';
import { announceEarlierUsers } from './users';

const RUNS = Number(process.env.PROPERTY_RUNS || 50);

useTestDatabase();
const redis = useTestRedis();

/** Users as auth stored them before it published user:created: no flag, nothing staged. */
async function earlierUsers(count: number): Promise<Array<{ id: string; email: string }>> {
  const users = Array.from({ length: count }, (_, i) => ({ email: `early-${i}@example.com`, password: 'a-stored-hash' }));
  const { insertedIds } = await User.collection.insertMany(users.map((u) => ({ ...u })));
  return users.map((u, i) => ({ id: String(insertedIds[i]), email: u.email }));
}

const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);

describe('announceEarlierUsers', () => {
  it('stages one user:created with id and email per earlier user, and none when run again', async () => {
    const { relay, published } = testService(redis);
    const earlier = await earlierUsers(5);
    expect(await announceEarlierUsers(2)).toBe(5); // pages of 2: the last page is short
    expect((await published(Subjects.UserCreated)).sort(byId)).toEqual(earlier.sort(byId));
    expect(await User.countDocuments({ outboxPending: true })).toBe(0);

    expect(await announceEarlierUsers(2)).toBe(0);
    await relay.flush();
    expect(await published(Subjects.UserCreated)).toHaveLength(5);
  });

  it('leaves users who signed up since alone: their signup staged theirs', async () => {
    const { app, published } = testService(redis);
    await request(app).post('/api/users/signup').send({ email: 'new@example.com', password: 'correct horse battery' }).expect(201);
    expect(await announceEarlierUsers()).toBe(0);
    expect((await published(Subjects.UserCreated)).map((d) => d.email)).toEqual(['new@example.com']);
  });

  it('stages one per user when two replicas run it at once', async () => {
    const { published } = testService(redis);
    const earlier = await earlierUsers(20);
    const [a, b] = await Promise.all([announceEarlierUsers(7), announceEarlierUsers(7)]);
    expect(a + b).toBe(20);
    expect((await published(Subjects.UserCreated)).sort(byId)).toEqual(earlier.sort(byId));
  });

  it(
    'stages one per user in any interleaving of two backfills and a signup, down to each database call',
    async () => {
      const gate = gateDatabaseCalls([User]);
      try {
        await fc.assert(
          fc.asyncProperty(fc.integer({ min: 1, max: 3 }), fc.scheduler(), async (count, s) => {
            await User.deleteMany({});
            // A service of its own per run: its signup limits start at zero.
            const { app, bus, relay } = testService(redis);
            const earlier = await earlierUsers(count);
            gate.start(s);
            const work = Promise.all([
              announceEarlierUsers(2),
              announceEarlierUsers(2),
              (async () => {
                await s.schedule(Promise.resolve(), 'signup');
                return request(app).post('/api/users/signup').send({ email: 'racer@example.com', password: 'correct horse battery' });
              })(),
            ]);
            let staged: number[];
            let signup: request.Response;
            try {
              const [a, b, res] = await s.waitFor(work);
              staged = [a, b];
              signup = res;
            } finally {
              gate.stop();
            }
            expect(signup.status).toBe(201);
            expect(staged[0] + staged[1]).toBe(count);
            await relay.flush();
            const sent = bus.publishedData(Subjects.UserCreated).sort(byId);
            expect(sent).toEqual([...earlier, { id: signup.body.id, email: 'racer@example.com' }].sort(byId));
          }),
          { numRuns: RUNS, ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}) },
        );
      } finally {
        gate.restore();
      }
    },
    5 * 60 * 1000,
  );
});
