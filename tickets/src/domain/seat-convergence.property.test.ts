// Model-based concurrency test of a listing of several seats. Orders (the
// authority) places orders of random quantities, never more seats at once
// than the listing has: an order that does not fit waits for earlier orders
// to be cancelled, or is refused. Their order:created, payment:created and
// order:cancelled, with duplicates, are delivered all at once, in the
// interleaving fast-check's scheduler picks down to each database call; what
// a listener does not ack is delivered again. After every step the stored
// counts add up and never exceed the quantity; once every event is acked
// they are what the model says.
import fc from 'fast-check';
import { EventEnvelope, OrderStatus, Subjects } from '@ticketing/common';
import { deliverUntilAcked, envelopeOf, gateDatabaseCalls, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { Ticket } from '../data/ticket';
import { priced, testPassKeys, testService } from '../test/app';
import { saveTicket } from './tickets';
import { listenersOf } from '../entry-points/listeners';

const RUNS = Number(process.env.PROPERTY_RUNS || 100);
/** As in ticket-convergence: far below EVENT_MAX_DELIVER, so a listener that never converges fails. */
const DELIVERY_BUDGET = 300;

useTestDatabase();
const { bus, relay } = testService();
const gate = gateDatabaseCalls([Ticket]);
beforeAll(async () => {
  await listenTo(listenersOf(bus, testPassKeys()), Subjects.OrderCreated, Subjects.OrderCancelled, Subjects.PaymentCreated);
});
afterAll(() => gate.restore());

/** How an order ends in the orders service; a paid order that is cancelled lost the race with expiration (refunded). */
type Fate = 'live' | 'complete' | 'cancelled' | 'paid-then-cancelled';
const historyArb = fc.record({
  quantity: fc.integer({ min: 1, max: 6 }),
  orders: fc.array(
    fc.record({ quantity: fc.integer({ min: 1, max: 4 }), fate: fc.constantFrom<Fate>('live', 'complete', 'cancelled', 'paid-then-cancelled') }),
    { minLength: 1, maxLength: 5 },
  ),
  /** Whether the order:created omits `quantity` (version 1) when it is 1. */
  versionOne: fc.boolean(),
  /** Indexes (mod the number of events) of events the broker delivers twice. */
  duplicates: fc.array(fc.nat(), { maxLength: 3 }),
});

const cancels = (fate: Fate) => fate === 'cancelled' || fate === 'paid-then-cancelled';

/**
 * What orders does: each order takes seats only when they are free in its
 * own view, cancelling earlier orders bound to be cancelled to free them
 * (their cancel comes first), else it is refused. Returns the orders
 * placed, each with the events it causes in orders' order.
 */
function placeOrders(listed: number, orders: Array<{ quantity: number; fate: Fate }>) {
  let free = listed;
  const pending: Array<{ id: string; quantity: number }> = [];
  const placed: Array<{ id: string; quantity: number; fate: Fate }> = [];
  for (const order of orders) {
    while (free < order.quantity && pending.length) free += pending.shift()!.quantity;
    if (free < order.quantity) continue;
    free -= order.quantity;
    const id = newId();
    placed.push({ id, ...order });
    if (cancels(order.fate)) pending.push({ id, quantity: order.quantity });
  }
  return placed;
}

/** What the scheduler checks after each step it releases: set per run, once the listing exists. */
let checkStep: () => Promise<void> = async () => undefined;
const schedulerArb = fc.scheduler({
  act: async (f) => {
    await f();
    await checkStep();
  },
});

describe('a listing of several seats written by the order, payment and cancel listeners at once', () => {
  it(
    'never holds and sells more than its quantity, and converges to the model: held = live orders, sold = completed ones',
    async () => {
      await fc.assert(
        fc.asyncProperty(historyArb, schedulerArb, async ({ quantity, orders, versionOne, duplicates }, s) => {
          const ticket = new Ticket({ title: 'Concert', ...priced(20), userId: newId(), quantity });
          await saveTicket(ticket);
          await relay.flush();
          bus.clear();

          const placed = placeOrders(quantity, orders);
          const events: EventEnvelope[] = [];
          for (const order of placed) {
            events.push(
              envelopeOf(Subjects.OrderCreated, {
                id: order.id,
                version: 0,
                status: OrderStatus.Created,
                userId: newId(),
                expiresAt: new Date(Date.now() + 60000).toISOString(),
                ticket: { id: ticket.id, price: 20 },
                ...(versionOne && order.quantity === 1 ? {} : { quantity: order.quantity }),
              }),
            );
            if (order.fate === 'complete' || order.fate === 'paid-then-cancelled') {
              events.push(envelopeOf(Subjects.PaymentCreated, { id: newId(), orderId: order.id, stripeId: `pi_${order.id}` }));
            }
            if (cancels(order.fate)) events.push(envelopeOf(Subjects.OrderCancelled, { id: order.id, version: 1, ticket: { id: ticket.id }, quantity: order.quantity }));
          }
          for (const d of duplicates) if (events.length) events.push(events[d % events.length]);

          // After every step of the interleaving, the stored counts (read past the gate) add up and stay within the quantity.
          const raw = Ticket.db.db!.collection(Ticket.collection.collectionName);
          const broken: string[] = [];
          checkStep = async () => {
            const doc = (await raw.findOne({ _id: ticket._id })) as unknown as { held: number; sold: number; available: number };
            const { held, sold, available } = doc;
            if (held < 0 || sold < 0 || available < 0 || held + sold + available !== quantity) broken.push(JSON.stringify({ held, sold, available, quantity }));
          };

          gate.start(s);
          let delivery: Awaited<ReturnType<typeof deliverUntilAcked>>;
          try {
            delivery = await s.waitFor(deliverUntilAcked(bus, s, events, DELIVERY_BUDGET));
          } finally {
            gate.stop();
            checkStep = async () => undefined;
          }

          expect(delivery.unacked.map((e) => `${e.subject} ${JSON.stringify(e.data)}`)).toEqual([]);
          expect(broken).toEqual([]);

          // The plain model.
          const sum = (fate: Fate) => placed.filter((o) => o.fate === fate).reduce((n, o) => n + o.quantity, 0);
          const held = sum('live');
          const sold = sum('complete');
          const stored = (await Ticket.findById(ticket.id))!;
          expect({ held: stored.held, sold: stored.sold, available: stored.available }).toEqual({ held, sold, available: quantity - held - sold });
          const ids = (claims: Array<{ orderId: string }>) => claims.map((c) => c.orderId).sort();
          expect(ids(stored.holds)).toEqual(placed.filter((o) => o.fate === 'live').map((o) => o.id).sort());
          expect(ids(stored.sales)).toEqual(placed.filter((o) => o.fate === 'complete').map((o) => o.id).sort());

          // Every version was announced once, in order.
          await relay.flush();
          const updates = bus.publishedData(Subjects.TicketUpdated).filter((u) => u.id === ticket.id);
          expect(updates.map((u) => u.version)).toEqual(Array.from({ length: stored.version }, (_, i) => i + 1));
          bus.clear();
        }),
        { numRuns: RUNS, ...(process.env.PROPERTY_SEED ? { seed: Number(process.env.PROPERTY_SEED) } : {}) },
      );
    },
    10 * 60 * 1000,
  );
});
