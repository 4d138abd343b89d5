// The buyer guarantee in orders under every interleaving fast-check's
// scheduler picks (each database call of orders, listings and events
// gated): buyers place orders for the seats of an event's listing while
// event:cancelled arrives (once, again, or twice at once: two replicas);
// each placed order is paid (payment:created), paid and then refunded
// (payment:refunded, as payments announces for a cancelled event), expires,
// or is left alone; every event may come twice. Once quiet: no unpaid order
// of the event is left (each was cancelled once, order:cancelled once), the
// paid ones are complete or refunded as their payments say, and the seats
// add up with no hold left.
import fc from 'fast-check';
import { DEFAULT_FEES, EventCategory, EventEnvelope, EventStatus, EVENT_NOT_ON_SALE_MESSAGE, OrderStatus, Subjects } from '@ticketing/common';
import { deliverUntilAcked, envelopeOf, gateDatabaseCalls, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { EventReplica } from '../data/event';
import { Order } from '../data/order';
import { Hold, Ticket } from '../data/ticket';
import { testBus, testHolds } from '../test/app';
import { placeOrder, TICKET_RESERVED_MESSAGE } from './orders';
import { listenersOf } from '../entry-points/listeners';

const RUNS = Number(process.env.PROPERTY_RUNS || 100);

useTestDatabase();
const { bus, relay } = testBus();
const holds = testHolds();
const gate = gateDatabaseCalls([Order, Ticket, EventReplica]);
beforeAll(async () => {
  await listenTo(listenersOf(bus, holds), Subjects.TicketCreated, Subjects.EventCreated, Subjects.EventCancelled, Subjects.ExpirationComplete, Subjects.PaymentCreated, Subjects.PaymentRefunded);
});
afterAll(() => gate.restore());

type Plan = 'pay' | 'pay-then-refund' | 'expire' | 'nothing';
const historyArb = fc.record({
  /** event:cancelled deliveries, all at once with everything else. */
  cancelCopies: fc.integer({ min: 1, max: 2 }),
  buyers: fc.array(
    fc.record({ quantity: fc.integer({ min: 1, max: 2 }), plan: fc.constantFrom<Plan>('pay', 'pay-then-refund', 'expire', 'nothing'), duplicate: fc.boolean() }),
    { minLength: 1, maxLength: 4 },
  ),
});

const seatsIn = (hs: Hold[] | undefined) => (hs ?? []).reduce((n, h) => n + h.quantity, 0);
const REFUSED = new RegExp(`^(${EVENT_NOT_ON_SALE_MESSAGE}|${TICKET_RESERVED_MESSAGE}|Only \\d+ tickets left)$`);

describe("an event's cancellation in orders, racing new orders, payments, refunds and expiries", () => {
  it('leaves no unpaid order of the event, cancels each once, and keeps the seats adding up', async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.scheduler(), async ({ cancelCopies, buyers }, s) => {
        const event = {
          id: newId(),
          version: 0,
          name: 'Gig',
          venue: 'Hall',
          city: 'Oslo',
          startsAt: new Date(Date.now() + 86_400_000).toISOString(),
          category: EventCategory.Concert,
          status: EventStatus.Scheduled,
          organizerId: newId(),
        };
        expect(await bus.deliver(Subjects.EventCreated, event)).toBe(true);
        const ticketId = newId();
        const quantity = 8;
        expect(await bus.deliver(Subjects.TicketCreated, { id: ticketId, version: 0, title: 'Gig', price: 25, userId: newId(), quantity, fee: 3, eventId: event.id })).toBe(true);
        bus.clear();
        const cancellation = envelopeOf(Subjects.EventCancelled, { ...event, version: 1, status: EventStatus.Cancelled });

        type Result = { plan: Plan; orderId?: string; refused?: string };
        const buy = async ({ quantity: asked, plan, duplicate }: { quantity: number; plan: Plan; duplicate: boolean }): Promise<Result> => {
          await s.schedule(Promise.resolve(), `buyer of ${asked} places (then ${plan})`);
          let orderId: string;
          try {
            orderId = (await placeOrder({ ticketId, userId: newId(), quantity: asked, windowSeconds: 900, fees: DEFAULT_FEES })).id;
          } catch (err) {
            if ((err as { statusCode?: number }).statusCode === 400) return { plan, refused: (err as Error).message };
            throw err;
          }
          const events: EventEnvelope[] = [];
          if (plan.startsWith('pay')) events.push(envelopeOf(Subjects.PaymentCreated, { id: newId(), orderId, stripeId: `pi_${orderId}` }));
          if (plan === 'pay-then-refund') events.push(envelopeOf(Subjects.PaymentRefunded, { id: newId(), orderId, stripeRefundId: `re_${orderId}`, amount: asked * 2800 }));
          if (plan === 'expire') events.push(envelopeOf(Subjects.ExpirationComplete, { orderId }));
          if (duplicate) events.push(...events);
          const delivery = await deliverUntilAcked(bus, s, events);
          expect(delivery.unacked).toEqual([]);
          return { plan, orderId };
        };

        gate.start(s);
        let results: Result[];
        let cancelDelivery: Awaited<ReturnType<typeof deliverUntilAcked>>;
        try {
          [results, cancelDelivery] = await s.waitFor(Promise.all([Promise.all(buyers.map(buy)), deliverUntilAcked(bus, s, Array(cancelCopies).fill(cancellation))]));
        } finally {
          gate.stop();
        }
        expect(cancelDelivery.unacked).toEqual([]);
        for (const r of results) if (r.refused) expect(r.refused).toMatch(REFUSED);

        const placed = results.filter((r) => r.orderId);
        // Also the orders refused after their write (the event was cancelled meanwhile): they were cancelled at once.
        const orders = await Order.find({ ticket: ticketId }).lean();
        expect(orders.length).toBeGreaterThanOrEqual(placed.length);
        for (const o of orders) if (!placed.some((r) => r.orderId === String(o._id))) expect(o.status).toBe(OrderStatus.Cancelled);
        // No unpaid order of the cancelled event is left.
        expect(orders.filter((o) => o.status === OrderStatus.Created)).toEqual([]);
        for (const r of placed) {
          const { status } = orders.find((o) => String(o._id) === r.orderId)!;
          // Paid orders are the payments service's to refund; an unpaid one ended cancelled.
          if (r.plan === 'expire' || r.plan === 'nothing') expect(status).toBe(OrderStatus.Cancelled);
          if (r.plan === 'pay') expect([OrderStatus.Complete, OrderStatus.Cancelled]).toContain(status);
          if (r.plan === 'pay-then-refund') expect([OrderStatus.Refunded, OrderStatus.Cancelled]).toContain(status);
        }

        // The seats: none held, the paid ones sold (refunded too), the rest available.
        const replica = (await Ticket.findById(ticketId).lean())!;
        const sold = orders.filter((o) => o.status === OrderStatus.Complete || o.status === OrderStatus.Refunded).reduce((n, o) => n + o.quantity, 0);
        expect({ available: replica.available, held: seatsIn(replica.holds), sold: seatsIn(replica.sales) }).toEqual({ available: quantity - sold, held: 0, sold });

        // order:cancelled once per cancelled order.
        await relay.flush();
        const cancelled = bus.publishedData(Subjects.OrderCancelled).filter((d) => d.ticket.id === ticketId).map((d) => d.id).sort();
        expect(cancelled).toEqual(orders.filter((o) => o.status === OrderStatus.Cancelled).map((o) => String(o._id)).sort());
        bus.clear();
      }),
      { numRuns: RUNS },
    );
  }, 10 * 60 * 1000);
});
