// Model-based concurrency test of the waiting list of one sold-out listing
// (SPEC "Waiting list: sold out is not the end"): the orders holding its
// seats are cancelled, expire (expiration:complete, maybe twice) or are paid
// while waiting buyers leave, order what they were offered, or let the offer
// expire (the sweep, as if its time had passed), and another replica serves
// the same listing. Every database call is interleaved by fast-check's
// scheduler; observers read the listing at random points.
// No seat is ever offered twice, offered and available, or sold past the
// listing; nobody is offered seats before an earlier waiting entry they
// fit; once quiet, nobody waits for seats that are free, every offer is an
// `offered` entry's, and the events tell tickets each offer once.
import fc from 'fast-check';
import { DEFAULT_FEES, EventEnvelope, Subjects } from '@ticketing/common';
import { deliverUntilAcked, envelopeOf, gateDatabaseCalls, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { Order, OrderStatus } from '../data/order';
import { Hold, Offer, Ticket } from '../data/ticket';
import { WaitlistEntry, WaitlistStatus } from '../data/waitlist';
import { testBus, testHolds } from '../test/app';
import { cancelOrder, placeOrder } from './orders';
import { joinWaitlist } from './waitlist';
import { leaveEntry, serveWaitlist, waitlistSettings } from './waitlist-offers';
import { sweepWaitlist } from './waitlist-sweep';
import { listenersOf } from '../entry-points/listeners';

const RUNS = Number(process.env.PROPERTY_RUNS || 100);
const WINDOW_SECONDS = 900;

useTestDatabase();
const { bus, relay } = testBus();
const holds = testHolds({ MAX_ACTIVE_ORDERS_PER_USER: 1000 });
const gate = gateDatabaseCalls([Order, Ticket, WaitlistEntry]);
beforeAll(async () => {
  await listenTo(listenersOf(bus, holds), Subjects.ExpirationComplete, Subjects.PaymentCreated);
});
afterAll(() => gate.restore());

type HolderPlan = 'cancel' | 'expire' | 'pay' | 'nothing';
type WaiterPlan = 'order' | 'leave' | 'order-then-leave' | 'nothing';

const historyArb = fc.record({
  /** Seats of the listing, each held by one order when the race starts. */
  holders: fc.array(fc.record({ plan: fc.constantFrom<HolderPlan>('cancel', 'expire', 'pay', 'nothing'), duplicate: fc.boolean() }), {
    minLength: 1,
    maxLength: 4,
  }),
  /** Buyers on the list, in join order. */
  waiters: fc.array(fc.record({ quantity: fc.integer({ min: 1, max: 2 }), plan: fc.constantFrom<WaiterPlan>('order', 'leave', 'order-then-leave', 'nothing') }), {
    minLength: 1,
    maxLength: 5,
  }),
  /** The offer sweep runs meanwhile as if every offer's time had passed. */
  expireOffers: fc.boolean(),
  /** Another replica serves the listing meanwhile. */
  secondReplica: fc.boolean(),
  observers: fc.integer({ min: 0, max: 2 }),
});

const sum = (xs: Array<{ quantity: number }> | undefined) => (xs ?? []).reduce((n, x) => n + x.quantity, 0);
const isRefusal = (err: unknown) => (err as { statusCode?: number })?.statusCode === 400;

describe('the waiting list of one listing, while seats come back, offers expire, buyers order and leave', () => {
  it(
    'never offers a seat twice or sells past the listing, serves in join order, and converges',
    async () => {
      await fc.assert(
        fc.asyncProperty(historyArb, fc.scheduler(), async ({ holders, waiters, expireOffers, secondReplica, observers }, s) => {
          const seats = holders.length;
          const ticketId = newId();
          await Ticket.build({ id: ticketId, title: 'Gig', price: 25, userId: newId(), version: 0, quantity: seats, fee: 3 }).save();
          const orderIds: string[] = [];
          for (let i = 0; i < seats; i += 1) {
            orderIds.push((await placeOrder({ ticketId, userId: newId(), quantity: 1, windowSeconds: WINDOW_SECONDS, fees: DEFAULT_FEES })).id);
          }
          const buyers = waiters.map((w) => ({ ...w, userId: newId(), entryId: '' }));
          const t0 = Date.now();
          for (const [i, b] of buyers.entries()) {
            // Join order is the order of joinedAt.
            b.entryId = (await joinWaitlist({ ticketId, userId: b.userId, quantity: Math.min(b.quantity, seats), now: new Date(t0 + i) })).id;
            b.quantity = Math.min(b.quantity, seats);
          }
          await relay.flush();
          bus.clear();

          const seen: string[] = [];
          const observe = async (i: number) => {
            await s.schedule(Promise.resolve(), `observer ${i}`);
            const t = (await Ticket.findById(ticketId).lean())!;
            const [held, sold, offered] = [sum(t.holds as Hold[]), sum(t.sales as Hold[]), sum(t.offers as Offer[])];
            const ids = (t.offers as Offer[]).map((o) => String(o.entryId));
            if (t.available < 0 || t.available + held + sold + offered !== t.quantity || new Set(ids).size !== ids.length) {
              seen.push(`available ${t.available}, held ${held}, offered ${offered} (${ids.join(',')}), sold ${sold} of ${t.quantity}`);
            }
          };

          const holderWork = async ({ plan, duplicate }: { plan: HolderPlan; duplicate: boolean }, i: number) => {
            const orderId = orderIds[i];
            const events: EventEnvelope[] = [];
            if (plan === 'pay') events.push(envelopeOf(Subjects.PaymentCreated, { id: newId(), orderId, stripeId: `ch_${orderId}` }));
            if (plan === 'expire') events.push(envelopeOf(Subjects.ExpirationComplete, { orderId }));
            if (duplicate) events.push(...events);
            const [delivery] = await Promise.all([
              deliverUntilAcked(bus, s, events),
              plan === 'cancel' ? s.schedule(Promise.resolve(), `holder cancels ${orderId}`).then(() => cancelOrder(orderId, holds)) : undefined,
            ]);
            expect(delivery.unacked).toEqual([]);
          };

          const ordered: string[] = [];
          const waiterWork = async (b: (typeof buyers)[number]) => {
            if (b.plan === 'order' || b.plan === 'order-then-leave') {
              await s.schedule(Promise.resolve(), `waiter ${b.entryId} looks at its entry`);
              const entry = await WaitlistEntry.findById(b.entryId).lean();
              if (entry?.status === WaitlistStatus.Offered) {
                try {
                  const order = await placeOrder({ ticketId, userId: b.userId, quantity: b.quantity, windowSeconds: WINDOW_SECONDS, fees: DEFAULT_FEES });
                  ordered.push(order.id);
                } catch (err) {
                  // The offer expired at that moment and no seat was free: refused as anyone would be.
                  if (!isRefusal(err)) throw err;
                }
              }
            }
            if (b.plan === 'leave' || b.plan === 'order-then-leave') {
              await s.schedule(Promise.resolve(), `waiter ${b.entryId} leaves`);
              await leaveEntry(b.entryId);
            }
          };

          gate.start(s);
          const work = Promise.all([
            Promise.all(holders.map(holderWork)),
            Promise.all(buyers.map(waiterWork)),
            expireOffers
              ? s.schedule(Promise.resolve(), 'offer sweep').then(() => sweepWaitlist(new Date(Date.now() + (waitlistSettings.offerSeconds + 1) * 1000)))
              : undefined,
            secondReplica ? s.schedule(Promise.resolve(), 'second replica serves').then(() => serveWaitlist(ticketId)) : undefined,
            Promise.all(Array.from({ length: observers }, (_x, i) => observe(i))),
          ]);
          try {
            await s.waitFor(work);
          } finally {
            gate.stop();
          }
          expect(seen).toEqual([]);

          // The counter: every seat available, held, offered or sold, exactly once.
          const t = (await Ticket.findById(ticketId).lean())!;
          const [held, sold, offered] = [sum(t.holds as Hold[]), sum(t.sales as Hold[]), sum(t.offers as Offer[])];
          expect({ sum: t.available + held + sold + offered, negative: t.available < 0 }).toEqual({ sum: seats, negative: false });

          // The offers are exactly the offered entries', each with its quantity; the holds exactly the unpaid orders.
          const entries = await WaitlistEntry.find({ ticketId }).sort({ joinedAt: 1, _id: 1 }).lean();
          expect((t.offers as Offer[]).map((o) => `${String(o.entryId)}×${o.quantity}`).sort()).toEqual(
            entries.filter((e) => e.status === WaitlistStatus.Offered).map((e) => `${String(e._id)}×${e.quantity}`).sort(),
          );
          const orders = await Order.find({ ticket: ticketId }).lean();
          expect((t.holds as Hold[]).map((h) => `${String(h.orderId)}×${h.quantity}`).sort()).toEqual(
            orders.filter((o) => o.status === OrderStatus.Created).map((o) => `${String(o._id)}×${o.quantity}`).sort(),
          );
          expect(sold).toBe(sum(orders.filter((o) => o.status === OrderStatus.Complete)));

          // Converged: nobody waits for seats that are free (split any: enough is enough).
          const starving = entries.filter((e) => e.status === WaitlistStatus.Waiting && e.quantity <= t.available).map((e) => `${String(e._id)}×${e.quantity}`);
          expect({ starving, available: t.available }).toEqual({ starving: [], available: t.available });

          // Events: each entry offered at most once (waitlist:offered), and each offer ended at most once, by the entry's final status.
          await relay.flush();
          const offeredIds = bus.publishedData(Subjects.WaitlistOffered).map((d) => d.id);
          const endedIds = bus.publishedData(Subjects.WaitlistOfferEnded).map((d) => `${d.id}:${d.status}`);
          expect(new Set(offeredIds).size).toBe(offeredIds.length);
          expect(new Set(endedIds).size).toBe(endedIds.length);
          for (const e of entries) {
            const id = String(e._id);
            const wasOffered = offeredIds.includes(id);
            if ([WaitlistStatus.Offered, WaitlistStatus.Done, WaitlistStatus.Expired].includes(e.status)) expect(wasOffered).toBe(true);
            if (e.status === WaitlistStatus.Waiting) expect(wasOffered).toBe(false);
            const ends = endedIds.filter((x) => x.startsWith(`${id}:`));
            if (e.status === WaitlistStatus.Offered || e.status === WaitlistStatus.Waiting) expect(ends).toEqual([]);
            if (e.status === WaitlistStatus.Done || e.status === WaitlistStatus.Expired) expect(ends).toEqual([`${id}:${e.status}`]);
            if (e.status === WaitlistStatus.Left) expect(ends).toEqual(wasOffered ? [`${id}:left`] : []);
          }

          // Join order: an entry still waiting was never passed over by a later one it would have fitted just as well.
          for (const [i, w] of entries.entries()) {
            if (w.status !== WaitlistStatus.Waiting) continue;
            const skippedBy = entries.slice(i + 1).filter((later) => offeredIds.includes(String(later._id)) && later.quantity >= w.quantity);
            expect(skippedBy.map((e) => String(e._id))).toEqual([]);
          }
          bus.clear();
        }),
        { numRuns: RUNS },
      );
    },
    10 * 60 * 1000,
  );
});
