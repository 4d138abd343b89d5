// Model-based concurrency test of the records several handlers write in the
// orders service: the ticket replica (ticket:created/updated listeners,
// reservations, releases, sales, the sweep) and the order (the cancel route,
// expiration:complete, payment:created, the sweep). Buyers race for one
// ticket while its updates arrive out of order and twice, and each placed
// order is cancelled, expires, is paid, or is paid while it expires; every
// step is interleaved down to each database call by fast-check's scheduler,
// and what a listener does not ack is delivered again. Once every event is
// acked, the records must be what a plain model says.
import fc from 'fast-check';
import { DEFAULT_FEES, EventEnvelope, OrderStatus, Subjects } from '@ticketing/common';
import { deliverUntilAcked, envelopeOf, gateDatabaseCalls, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { Order } from '../data/order';
import { Ticket } from '../data/ticket';
import { testBus, testHolds } from '../test/app';
import { OrderSweeper } from '../entry-points/jobs/order-sweeper';
import { cancelOrder, placeOrder } from './orders';
import { listenersOf } from '../entry-points/listeners';

const RUNS = Number(process.env.PROPERTY_RUNS || 200);
// Short, so the sweep below can run "just after every order expired" while
// every reservation is still young enough not to be taken for an orphan.
const WINDOW_SECONDS = 30;

useTestDatabase();
const { bus, relay } = testBus();
const holds = testHolds();
const gate = gateDatabaseCalls([Order, Ticket]);
beforeAll(async () => {
  await listenTo(listenersOf(bus, holds), Subjects.TicketCreated, Subjects.TicketUpdated, Subjects.ExpirationComplete, Subjects.PaymentCreated);
});
afterAll(() => gate.restore());

/** What happens to an order once placed. */
type Plan = 'cancel' | 'expire' | 'pay' | 'pay-while-expiring' | 'pay-while-cancelling' | 'nothing';
const planArb = fc.constantFrom<Plan>('cancel', 'expire', 'pay', 'pay-while-expiring', 'pay-while-cancelling', 'nothing');

const historyArb = fc.record({
  /** One buyer each, all at once, for the same ticket. */
  buyers: fc.array(fc.record({ plan: planArb, duplicate: fc.boolean() }), { minLength: 1, maxLength: 3 }),
  /** The ticket's updates (v1, v2, ...) as the tickets service published them. */
  updates: fc.array(fc.record({ title: fc.constantFrom('Opera', 'Gig'), price: fc.integer({ min: 1, max: 500 }) }), {
    maxLength: 2,
  }),
  duplicateUpdate: fc.boolean(),
  /** The sweep runs meanwhile, as if every order placed so far were past its expiry. */
  sweep: fc.boolean(),
});

const isBadRequest = (err: unknown, message: string) =>
  (err as { statusCode?: number })?.statusCode === 400 && (err as Error).message === message;

describe('orders and the ticket replica written by listeners, routes and the sweep at once', () => {
  it(
    'converges to the model: one live order at most, the replica holds it, outcomes follow the plans, every event once',
    async () => {
      await fc.assert(
        fc.asyncProperty(historyArb, fc.scheduler(), async ({ buyers, updates, duplicateUpdate, sweep }, s) => {
          const ticketId = newId();
          const sellerId = newId();
          // The replica starts from ticket:created; its updates race with everything else.
          expect(
            await bus.deliver(Subjects.TicketCreated, { id: ticketId, version: 0, title: 'Concert', price: 20, userId: sellerId }),
          ).toBe(true);
          bus.clear();
          const updateEvents: EventEnvelope[] = updates.map((u, i) =>
            envelopeOf(Subjects.TicketUpdated, { id: ticketId, version: i + 1, title: u.title, price: u.price, userId: sellerId }),
          );
          if (duplicateUpdate && updateEvents.length) updateEvents.push(updateEvents[0]);

          type Result = { plan: Plan; orderId?: string; refused?: true; cancelOutcome?: string };
          const buy = async ({ plan, duplicate }: { plan: Plan; duplicate: boolean }): Promise<Result> => {
            await s.schedule(Promise.resolve(), `buyer places (then ${plan})`);
            let orderId: string;
            try {
              orderId = (await placeOrder({ ticketId, userId: newId(), windowSeconds: WINDOW_SECONDS, fees: DEFAULT_FEES })).id;
            } catch (err) {
              if (isBadRequest(err, 'Ticket is already reserved')) return { plan, refused: true };
              throw err;
            }
            const events: EventEnvelope[] = [];
            const paying = plan === 'pay' || plan === 'pay-while-expiring' || plan === 'pay-while-cancelling';
            if (paying) events.push(envelopeOf(Subjects.PaymentCreated, { id: newId(), orderId, stripeId: `ch_${orderId}` }));
            if (plan === 'expire' || plan === 'pay-while-expiring') events.push(envelopeOf(Subjects.ExpirationComplete, { orderId }));
            if (duplicate) events.push(...events);
            const cancelling = plan === 'cancel' || plan === 'pay-while-cancelling';
            const [delivery, cancelOutcome] = await Promise.all([
              deliverUntilAcked(bus, s, events),
              cancelling
                ? s.schedule(Promise.resolve(), `buyer cancels ${orderId}`).then(() => cancelOrder(orderId, holds))
                : Promise.resolve(undefined),
            ]);
            expect(delivery.unacked).toEqual([]);
            return { plan, orderId, ...(cancelOutcome ? { cancelOutcome } : {}) };
          };

          gate.start(s);
          const work = Promise.all([
            Promise.all(buyers.map(buy)),
            deliverUntilAcked(bus, s, updateEvents),
            sweep
              ? s
                  .schedule(Promise.resolve(), 'sweep')
                  .then(() => new OrderSweeper({ intervalMs: 60000, graceMs: 0, holds }).sweep(new Date(Date.now() + (WINDOW_SECONDS + 1) * 1000)))
              : Promise.resolve(undefined),
          ]);
          let results: Result[];
          let updateDelivery: Awaited<typeof work>[1];
          try {
            [results, updateDelivery] = await s.waitFor(work);
          } finally {
            gate.stop();
          }

          // The replica: the last version's title and price.
          expect(updateDelivery.unacked).toEqual([]);
          const replica = (await Ticket.findById(ticketId).lean())!;
          const lastUpdate = updates.length ? updates[updates.length - 1] : { title: 'Concert', price: 20 };
          expect({ version: replica.version, title: replica.title, price: replica.price }).toEqual({
            version: updates.length,
            ...lastUpdate,
          });

          // Orders: each outcome is one its plan allows; at most one holds the ticket.
          const placed = results.filter((r) => r.orderId);
          expect(placed.length).toBeGreaterThan(0); // the ticket was free: someone got it
          const orders = await Order.find({ _id: { $in: placed.map((r) => r.orderId) } }).lean();
          const statusOf = new Map(orders.map((o) => [String(o._id), o.status]));
          for (const r of placed) {
            const status = statusOf.get(r.orderId!);
            const paid = r.plan.startsWith('pay');
            const ended = r.plan !== 'pay' && r.plan !== 'nothing'; // cancelled or expired
            const allowed = new Set<OrderStatus>();
            if (paid) allowed.add(OrderStatus.Complete);
            if (ended || sweep) allowed.add(OrderStatus.Cancelled);
            if (!paid && !ended) allowed.add(OrderStatus.Created);
            expect({ plan: r.plan, sweep, status, allowed: allowed.has(status!) }).toEqual({ plan: r.plan, sweep, status, allowed: true });
            if (r.cancelOutcome === 'complete') expect(status).toBe(OrderStatus.Complete);
          }
          const live = orders.filter((o) => o.status === OrderStatus.Created || o.status === OrderStatus.Complete);
          expect(live.length).toBeLessThanOrEqual(1);
          const seatsOf = (holds: Array<{ orderId: unknown }> | undefined) => (holds ?? []).map((h) => String(h.orderId));
          expect({ held: seatsOf(replica.holds), sold: seatsOf(replica.sales), available: replica.available }).toEqual({
            held: live.filter((o) => o.status === OrderStatus.Created).map((o) => String(o._id)),
            sold: live.filter((o) => o.status === OrderStatus.Complete).map((o) => String(o._id)),
            available: live.length ? 0 : 1,
          });

          // Events: order:created once per order; order:cancelled once per cancelled order, at version 1.
          await relay.flush();
          const created = bus
            .publishedData(Subjects.OrderCreated)
            .filter((d) => d.ticket.id === ticketId)
            .map((d) => d.id)
            .sort();
          expect(created).toEqual(placed.map((r) => r.orderId!).sort());
          const cancelled = bus
            .publishedData(Subjects.OrderCancelled)
            .filter((d) => d.ticket.id === ticketId)
            .map((d) => `${d.id}@${d.version}`)
            .sort();
          expect(cancelled).toEqual(orders.filter((o) => o.status === OrderStatus.Cancelled).map((o) => `${String(o._id)}@1`).sort());

          // Nothing leaked: a free ticket can be taken by the next buyer.
          if (!live.length) {
            await expect(placeOrder({ ticketId, userId: newId(), windowSeconds: WINDOW_SECONDS, fees: DEFAULT_FEES })).resolves.toBeDefined();
          }
          bus.clear();
        }),
        { numRuns: RUNS },
      );
    },
    10 * 60 * 1000,
  );
});
