// Model-based concurrency test of the seat counter of one listing (SPEC
// "Orders of several seats"): buyers of any quantity race for its seats
// while each placed order is cancelled, expires, is paid, or is paid while
// it is cancelled or expires; events come twice and a ticket:updated may add
// seats meanwhile; the sweep may run. Every database call is interleaved by
// fast-check's scheduler, and observers read the listing at random points.
// Never are more seats held or sold than the listing has, and once quiet
// `available + held + sold = quantity`, the holds are exactly the unpaid
// orders and the sales exactly the paid ones.
import fc from 'fast-check';
import { DEFAULT_FEES, EventEnvelope, OrderStatus, orderTotal, SplitRule, Subjects } from '@ticketing/common';
import { deliverUntilAcked, envelopeOf, gateDatabaseCalls, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { OrderSweeper } from '../entry-points/jobs/order-sweeper';
import { Order } from '../data/order';
import { Hold, Ticket } from '../data/ticket';
import { testBus, testHolds } from '../test/app';
import { cancelOrder, placeOrder, SPLIT_NOT_ALLOWED_MESSAGE, TICKET_RESERVED_MESSAGE } from './orders';
import { listenersOf } from '../entry-points/listeners';

const RUNS = Number(process.env.PROPERTY_RUNS || 150);
// Short, so the sweep can run "just after every order expired" while every hold is still too young to be an orphan.
const WINDOW_SECONDS = 30;

useTestDatabase();
const { bus, relay } = testBus();
const holds = testHolds();
const gate = gateDatabaseCalls([Order, Ticket]);
beforeAll(async () => {
  await listenTo(listenersOf(bus, holds), Subjects.TicketCreated, Subjects.TicketUpdated, Subjects.ExpirationComplete, Subjects.PaymentCreated);
});
afterAll(() => gate.restore());

type Plan = 'cancel' | 'expire' | 'pay' | 'pay-while-expiring' | 'pay-while-cancelling' | 'nothing';
const planArb = fc.constantFrom<Plan>('cancel', 'expire', 'pay', 'pay-while-expiring', 'pay-while-cancelling', 'nothing');

const historyArb = fc.record({
  seats: fc.integer({ min: 1, max: 8 }),
  split: fc.constantFrom(...Object.values(SplitRule)),
  /** One buyer each, all at once, for the same listing. */
  buyers: fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 4 }), plan: planArb, duplicate: fc.boolean() }), { minLength: 1, maxLength: 4 }),
  /** Seats the seller adds meanwhile (ticket:updated), 0 for none; maybe delivered twice. */
  added: fc.integer({ min: 0, max: 3 }),
  duplicateUpdate: fc.boolean(),
  /** The sweep runs meanwhile, as if every order placed so far were past its expiry. */
  sweep: fc.boolean(),
  /** Reads of the listing at points the scheduler picks. */
  observers: fc.integer({ min: 0, max: 2 }),
});

const REFUSALS = new RegExp(`^(${TICKET_RESERVED_MESSAGE}|Only \\d+ tickets left|${SPLIT_NOT_ALLOWED_MESSAGE})$`);
const isRefusal = (err: unknown) => (err as { statusCode?: number })?.statusCode === 400 && REFUSALS.test((err as Error).message);
const seatsIn = (hs: Hold[] | undefined) => (hs ?? []).reduce((n, h) => n + h.quantity, 0);
const byOrder = (hs: Hold[] | undefined) =>
  (hs ?? []).map((h) => `${String(h.orderId)}×${h.quantity}`).sort();

describe('the seat counter of one listing, written by orders, cancels, expiries, payments and the sweep at once', () => {
  it(
    'never holds or sells more seats than the listing has, and ends with available + held + sold = quantity',
    async () => {
      await fc.assert(
        fc.asyncProperty(historyArb, fc.scheduler(), async ({ seats, split, buyers, added, duplicateUpdate, sweep, observers }, s) => {
          const ticketId = newId();
          const listing = { id: ticketId, version: 0, title: 'Gig', price: 25, userId: newId(), quantity: seats, split, fee: 3 };
          expect(await bus.deliver(Subjects.TicketCreated, listing)).toBe(true);
          bus.clear();
          const quantity = seats + added;
          const updates: EventEnvelope[] = added ? [envelopeOf(Subjects.TicketUpdated, { ...listing, version: 1, quantity })] : [];
          if (duplicateUpdate) updates.push(...updates);

          // What an observer may see at any moment: never more held or sold than the listing has.
          const seen: string[] = [];
          const observe = async (i: number) => {
            await s.schedule(Promise.resolve(), `observer ${i}`);
            const t = (await Ticket.findById(ticketId).lean())!;
            const [held, sold] = [seatsIn(t.holds), seatsIn(t.sales)];
            if (t.available < 0 || held + sold > t.quantity || t.available + held + sold !== t.quantity) {
              seen.push(`available ${t.available}, held ${held}, sold ${sold} of ${t.quantity}`);
            }
          };

          type Result = { quantity: number; plan: Plan; orderId?: string };
          const buy = async ({ quantity: asked, plan, duplicate }: { quantity: number; plan: Plan; duplicate: boolean }): Promise<Result> => {
            await s.schedule(Promise.resolve(), `buyer of ${asked} places (then ${plan})`);
            let orderId: string;
            try {
              orderId = (await placeOrder({ ticketId, userId: newId(), quantity: asked, windowSeconds: WINDOW_SECONDS, fees: DEFAULT_FEES })).id;
            } catch (err) {
              if (isRefusal(err)) return { quantity: asked, plan };
              throw err;
            }
            const events: EventEnvelope[] = [];
            if (plan.startsWith('pay')) events.push(envelopeOf(Subjects.PaymentCreated, { id: newId(), orderId, stripeId: `ch_${orderId}` }));
            if (plan === 'expire' || plan === 'pay-while-expiring') events.push(envelopeOf(Subjects.ExpirationComplete, { orderId }));
            if (duplicate) events.push(...events);
            const cancelling = plan === 'cancel' || plan === 'pay-while-cancelling';
            const [delivery] = await Promise.all([
              deliverUntilAcked(bus, s, events),
              cancelling ? s.schedule(Promise.resolve(), `buyer cancels ${orderId}`).then(() => cancelOrder(orderId, holds)) : undefined,
            ]);
            expect(delivery.unacked).toEqual([]);
            return { quantity: asked, plan, orderId };
          };

          gate.start(s);
          const work = Promise.all([
            Promise.all(buyers.map(buy)),
            deliverUntilAcked(bus, s, updates),
            sweep
              ? s
                  .schedule(Promise.resolve(), 'sweep')
                  .then(() => new OrderSweeper({ intervalMs: 60000, graceMs: 0, holds }).sweep(new Date(Date.now() + (WINDOW_SECONDS + 1) * 1000)))
              : undefined,
            Promise.all(Array.from({ length: observers }, (_x, i) => observe(i))),
          ]);
          let results: Result[];
          let updateDelivery: Awaited<typeof work>[1];
          try {
            [results, updateDelivery] = await s.waitFor(work);
          } finally {
            gate.stop();
          }
          expect(updateDelivery.unacked).toEqual([]);
          expect(seen).toEqual([]);

          // The counter: every seat available, held or sold, exactly once.
          const replica = (await Ticket.findById(ticketId).lean())!;
          const held = seatsIn(replica.holds);
          const sold = seatsIn(replica.sales);
          expect({ quantity: replica.quantity, sum: replica.available + held + sold, overbooked: held + sold > quantity || replica.available < 0 }).toEqual({
            quantity,
            sum: quantity,
            overbooked: false,
          });

          // The holds are exactly the unpaid orders, the sales exactly the paid ones, each with its quantity.
          const placed = results.filter((r) => r.orderId);
          const orders = await Order.find({ _id: { $in: placed.map((r) => r.orderId) } }).lean();
          expect(orders).toHaveLength(placed.length);
          const tally = (status: OrderStatus) => orders.filter((o) => o.status === status).map((o) => `${String(o._id)}×${o.quantity}`).sort();
          expect({ held: byOrder(replica.holds), sold: byOrder(replica.sales) }).toEqual({
            held: tally(OrderStatus.Created),
            sold: tally(OrderStatus.Complete),
          });
          for (const o of orders) expect(o.total).toBe(orderTotal(o.quantity, 25, 3));
          // Unpaid orders end only by their plan or the sweep; an order its plan pays is never left unpaid and uncancelled.
          for (const r of placed) {
            const status = orders.find((o) => String(o._id) === r.orderId)!.status;
            if (r.plan === 'pay') expect(status).toBe(OrderStatus.Complete);
            if (r.plan === 'nothing' && !sweep) expect(status).toBe(OrderStatus.Created);
          }

          // Events: order:created once per order; order:cancelled once per cancelled order, with its quantity.
          await relay.flush();
          const created = bus
            .publishedData(Subjects.OrderCreated)
            .filter((d) => d.ticket.id === ticketId)
            .map((d) => `${d.id}×${d.quantity}`)
            .sort();
          expect(created).toEqual(placed.map((r) => `${r.orderId}×${r.quantity}`).sort());
          const cancelled = bus
            .publishedData(Subjects.OrderCancelled)
            .filter((d) => d.ticket.id === ticketId)
            .map((d) => `${d.id}×${d.quantity}`)
            .sort();
          expect(cancelled).toEqual(tally(OrderStatus.Cancelled));
          bus.clear();
        }),
        { numRuns: RUNS },
      );
    },
    10 * 60 * 1000,
  );
});
