// Model-based concurrency test of the one record several handlers write in
// the tickets service: a ticket. A generated history (the orders a ticket
// goes through and how each ends, payments that lost the race with a cancel,
// the owner's edits, duplicate deliveries) is delivered all at once, in the
// interleaving fast-check's scheduler picks down to each database call; what
// a listener does not ack is delivered again, as the broker would. Once every
// event is acked, the stored ticket must be what a plain model says.
import fc from 'fast-check';
import request from 'supertest';
import { EventEnvelope, OrderStatus, Subjects } from '@ticketing/common';
import { deliverUntilAcked, envelopeOf, gateDatabaseCalls, listenTo, newId, signin, useTestDatabase } from '@ticketing/common/testing';
import { Ticket } from '../data/ticket';
import { priced, testPassKeys, testService } from '../test/app';
import { saveTicket } from './tickets';
import { listenersOf } from '../entry-points/listeners';

const RUNS = Number(process.env.PROPERTY_RUNS || 200);
/**
 * Deliveries of one event before the model calls it stuck. The services give
 * up only after EVENT_MAX_DELIVER (1000); 60 was stricter than that, and the
 * random scheduler can redeliver a "not yet" order:created 60 times while the
 * cancel that frees the ticket queues behind stale writes on the record lock
 * (seed 1688551182, after 290 runs): slow, not wrong. Still far below 1000, so
 * a listener that never converges fails here as before.
 */
const DELIVERY_BUDGET = 300;

useTestDatabase();
const { app, bus, relay } = testService();
const gate = gateDatabaseCalls([Ticket]);
beforeAll(async () => {
  await listenTo(listenersOf(bus, testPassKeys()), Subjects.OrderCreated, Subjects.OrderCancelled, Subjects.PaymentCreated);
});
afterAll(() => gate.restore());

/**
 * How an order of the ticket ended in the orders service. Orders places a new
 * order only once the previous one is cancelled, so every order but the last
 * is cancelled (its payment, if any, lost the race and is refunded).
 */
type Fate = 'live' | 'complete' | 'cancelled' | 'paid-then-cancelled';
const earlierFate = fc.constantFrom<Fate>('cancelled', 'paid-then-cancelled');
const lastFate = fc.constantFrom<Fate>('live', 'complete', 'cancelled', 'paid-then-cancelled');

const historyArb = fc.record({
  fates: fc.tuple(fc.array(earlierFate, { maxLength: 2 }), lastFate).map(([earlier, last]) => [...earlier, last]),
  edits: fc.array(fc.record({ title: fc.constantFrom('Opera', 'Gig', 'Match'), price: fc.integer({ min: 1, max: 500 }) }), {
    maxLength: 2,
  }),
  /** Indexes (mod the number of events) of events the broker delivers twice. */
  duplicates: fc.array(fc.nat(), { maxLength: 2 }),
});

describe('a ticket written by the order, cancel and payment listeners and by edits at once', () => {
  it(
    'converges to the model: the holder is the last live or complete order, sold iff paid, edits kept, versions gapless',
    async () => {
      await fc.assert(
        fc.asyncProperty(historyArb, fc.scheduler(), async ({ fates, edits, duplicates }, s) => {
          const ownerId = newId();
          const ticket = new Ticket({ title: 'Concert', ...priced(20), userId: ownerId });
          await saveTicket(ticket);
          await relay.flush();
          bus.clear();

          const orderIds = fates.map(() => newId());
          const events: EventEnvelope[] = [];
          fates.forEach((fate, i) => {
            const id = orderIds[i];
            events.push(
              envelopeOf(Subjects.OrderCreated, {
                id,
                version: 0,
                status: OrderStatus.Created,
                userId: newId(),
                expiresAt: new Date(Date.now() + 60000).toISOString(),
                ticket: { id: ticket.id, price: 20 },
              }),
            );
            if (fate === 'complete' || fate === 'paid-then-cancelled') {
              events.push(envelopeOf(Subjects.PaymentCreated, { id: newId(), orderId: id, stripeId: `ch_${id}` }));
            }
            if (fate === 'cancelled' || fate === 'paid-then-cancelled') {
              events.push(envelopeOf(Subjects.OrderCancelled, { id, version: 1, ticket: { id: ticket.id } }));
            }
          });
          for (const d of duplicates) events.push(events[d % events.length]);

          const cookie = signin({ id: ownerId });
          gate.start(s);
          const work = Promise.all([
            deliverUntilAcked(bus, s, events, DELIVERY_BUDGET),
            Promise.all(
              edits.map(async (edit) => {
                await s.schedule(Promise.resolve(), `edit ${JSON.stringify(edit)}`);
                const res = await request(app).put(`/api/tickets/${ticket.id}`).set('Cookie', cookie).send(edit);
                return { edit, status: res.status, body: res.body };
              }),
            ),
          ]);
          let delivery: Awaited<typeof work>[0];
          let answers: Awaited<typeof work>[1];
          try {
            [delivery, answers] = await s.waitFor(work);
          } finally {
            gate.stop();
          }

          // The plain model.
          const last = fates.length - 1;
          const holder = fates[last] === 'live' || fates[last] === 'complete' ? orderIds[last] : undefined;
          const sold = fates[last] === 'complete';

          expect(delivery.unacked.map((e) => `${e.subject} ${JSON.stringify(e.data)}`)).toEqual([]);
          const stored = (await Ticket.findById(ticket.id))!;
          expect({ orderId: stored.orderId, sold: Boolean(stored.soldAt) }).toEqual({ orderId: holder, sold });

          // Edits: accepted only while the ticket is free, never a 5xx; the last accepted one is what is stored.
          for (const a of answers) expect([200, 400]).toContain(a.status);
          const accepted = answers.filter((a) => a.status === 200).sort((a, b) => a.body.version - b.body.version);
          const expectedTitle = accepted.length ? accepted[accepted.length - 1].edit : { title: 'Concert', price: 20 };
          expect({ title: stored.title, price: stored.price }).toEqual(expectedTitle);

          // Every version was announced once, in order, and the last announcement says who holds it.
          await relay.flush();
          const updates = bus.publishedData(Subjects.TicketUpdated).filter((u) => u.id === ticket.id);
          expect(updates.map((u) => u.version)).toEqual(Array.from({ length: stored.version }, (_, i) => i + 1));
          expect(updates.length ? updates[updates.length - 1].orderId : undefined).toBe(holder);
          bus.clear();
        }),
        { numRuns: RUNS, ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}) },
      );
    },
    10 * 60 * 1000,
  );
});
