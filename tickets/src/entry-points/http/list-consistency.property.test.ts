// The list (GET /api/tickets) against the truth. Tickets are created,
// edited, reserved, released and sold at once, in an interleaving fast-check's
// scheduler picks down to each database call; once every request is answered
// and every event acked, each page of the list (default, q, limit and offset)
// must be exactly the same query run on the database driver, past anything
// the service keeps in process.
import fc from 'fast-check';
import request from 'supertest';
import { EventEnvelope, OrderStatus, Subjects } from '@ticketing/common';
import { deliverUntilAcked, envelopeOf, gateDatabaseCalls, listenTo, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Ticket } from '../../data/ticket';
import { testPassKeys, testService } from '../../test/app';
import { listenersOf } from '../listeners';

const RUNS = Number(process.env.PROPERTY_RUNS || 60);

useTestDatabase();
const { app, bus } = testService();
const gate = gateDatabaseCalls([Ticket]);
beforeAll(async () => {
  await listenTo(listenersOf(bus, testPassKeys()), Subjects.OrderCreated, Subjects.OrderCancelled, Subjects.PaymentCreated);
});
afterAll(() => gate.restore());

const TITLES = ['Opera night', 'Gig', 'Match day', 'opera matinee'] as const;

/** What happens to one of the tickets listed beforehand (by index), or a new listing. */
const opArb = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), title: fc.constantFrom(...TITLES) }),
  fc.record({ kind: fc.constant('edit' as const), at: fc.nat(), title: fc.constantFrom(...TITLES) }),
  fc.record({ kind: fc.constant('reserve' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('reserve-then-release' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('reserve-then-sell' as const), at: fc.nat() }),
);

/** The stored truth: the list's query on the driver's own collection, which the adapter does not see. */
async function truth(query: { q?: string; sort?: 'price'; limit: number; offset: number }) {
  const raw = Ticket.db.db!.collection(Ticket.collection.collectionName);
  const filter: Record<string, unknown> = { available: { $gt: 0 }, cancelled: false };
  if (query.q) filter.title = { $regex: query.q, $options: 'i' };
  const sort: Record<string, 1 | -1> = query.sort === 'price' ? { allInPrice: 1, _id: 1 } : { createdAt: -1, _id: -1 };
  const docs = await raw.find(filter).sort(sort).skip(query.offset).limit(query.limit).toArray();
  return docs.map((d) => ({
    id: String(d._id),
    title: d.title,
    price: d.price,
    userId: d.userId,
    version: d.version,
    ...(d.orderId ? { orderId: d.orderId } : {}),
    quantity: d.quantity,
    available: d.available,
    split: d.split,
    fee: d.fee,
    allInPrice: d.allInPrice,
  }));
}

describe('GET /api/tickets while tickets are created, edited, ordered and sold at once', () => {
  it(
    'equals the same query on the driver once quiet, for every page',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(opArb, { minLength: 1, maxLength: 6 }), fc.scheduler(), async (n, ops, s) => {
          // The list is read before the writes too, so what it keeps in process is there when they happen.
          const owners = Array.from({ length: n }, () => newId());
          const listed: Array<{ id: string; price: number }> = [];
          for (const [i, userId] of owners.entries()) {
            const res = await request(app).post('/api/tickets').set('Cookie', signin({ id: userId })).send({ title: TITLES[i % TITLES.length], price: 10 + i });
            listed.push(res.body);
          }
          await request(app).get('/api/tickets').expect(200);

          const events: EventEnvelope[] = [];
          const requests: Array<() => Promise<unknown>> = [];
          const reserved = new Set<number>();
          for (const op of ops) {
            if (op.kind === 'create') {
              requests.push(() => request(app).post('/api/tickets').set('Cookie', signin({ id: newId() })).send({ title: op.title, price: 5 }));
              continue;
            }
            const at = op.at % n;
            if (op.kind === 'edit') {
              requests.push(() => request(app).put(`/api/tickets/${listed[at].id}`).set('Cookie', signin({ id: owners[at] })).send({ title: op.title, price: 7 }));
              continue;
            }
            // One order per ticket: orders places the next only once the last is cancelled.
            if (reserved.has(at)) continue;
            reserved.add(at);
            const orderId = newId();
            const ticket = { id: listed[at].id, price: listed[at].price };
            events.push(
              envelopeOf(Subjects.OrderCreated, {
                id: orderId,
                version: 0,
                status: OrderStatus.Created,
                userId: newId(),
                expiresAt: new Date(Date.now() + 60000).toISOString(),
                ticket,
              }),
            );
            if (op.kind === 'reserve-then-release') events.push(envelopeOf(Subjects.OrderCancelled, { id: orderId, version: 1, ticket: { id: ticket.id } }));
            if (op.kind === 'reserve-then-sell') events.push(envelopeOf(Subjects.PaymentCreated, { id: newId(), orderId, stripeId: `pi_${orderId}` }));
          }

          gate.start(s);
          const work = Promise.all([
            deliverUntilAcked(bus, s, events, 300),
            ...requests.map(async (send, i) => {
              await s.schedule(Promise.resolve(), `request ${i}`);
              return send();
            }),
            // Lists read in the middle of it all, as buyers would.
            ...[0, 1].map(async (i) => {
              await s.schedule(Promise.resolve(), `list ${i}`);
              return request(app).get('/api/tickets');
            }),
          ]);
          let delivery: Awaited<typeof work>[0];
          try {
            [delivery] = await s.waitFor(work);
          } finally {
            gate.stop();
          }
          expect(delivery.unacked).toEqual([]);

          const queries: Array<{ q?: string; sort?: 'price'; limit: number; offset: number }> = [
            { limit: 100, offset: 0 },
            { limit: 2, offset: 1 },
            { q: 'opera', limit: 100, offset: 0 },
            { sort: 'price', limit: 100, offset: 0 },
            { sort: 'price', limit: 2, offset: 1 },
          ];
          for (const query of queries) {
            const qs = new URLSearchParams({ ...(query.q ? { q: query.q } : {}), ...(query.sort ? { sort: query.sort } : {}), limit: String(query.limit), offset: String(query.offset) });
            const res = await request(app).get(`/api/tickets?${qs}`).expect(200);
            expect(res.body).toEqual(await truth(query));
          }
          await Ticket.deleteMany({});
          bus.clear();
        }),
        { numRuns: RUNS, ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}) },
      );
    },
    10 * 60 * 1000,
  );
});
