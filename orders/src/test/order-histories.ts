// The set-up shared by the model-based concurrency tests of orders
// (domain/*.property.test.ts): the handlers that write orders and the ticket
// replica, a buyer's plan once the order is placed, and the sweep, all under
// fast-check's scheduler.
import fc from 'fast-check';
import { EventEnvelope, Subjects } from '@ticketing/common';
import { deliverUntilAcked, envelopeOf, gateDatabaseCalls, listenTo, newId, useTestDatabase } from '@ticketing/common/testing';
import { listenersOf } from '../entry-points/listeners';
import { OrderSweeper } from '../entry-points/jobs/order-sweeper';
import { Order } from '../data/order';
import { Ticket } from '../data/ticket';
import { cancelOrder } from '../domain/orders';
import { testBus, testHolds } from './app';

// Short, so the sweep can run "just after every order expired" while every hold is still too young to be an orphan.
export const WINDOW_SECONDS = 30;

/** What happens to an order once placed. */
export type Plan = 'cancel' | 'expire' | 'pay' | 'pay-while-expiring' | 'pay-while-cancelling' | 'nothing';
export const planArb = fc.constantFrom<Plan>('cancel', 'expire', 'pay', 'pay-while-expiring', 'pay-while-cancelling', 'nothing');

/**
 * A test database, an in-memory bus with the orders outbox's relay, a hold
 * limit, and the listeners that write orders and the replica
 * (ticket:created/updated, expiration:complete, payment:created); every
 * database call of Order and Ticket is gated while `interleaved` runs.
 */
export function useOrderHandlers() {
  useTestDatabase();
  const { bus, relay } = testBus();
  const holds = testHolds();
  const gate = gateDatabaseCalls([Order, Ticket]);
  beforeAll(async () => {
    await listenTo(listenersOf(bus, holds), Subjects.TicketCreated, Subjects.TicketUpdated, Subjects.ExpirationComplete, Subjects.PaymentCreated);
  });
  afterAll(() => gate.restore());

  /** Starts `work` with the database calls handed to `s`, and waits for it while `s` runs its tasks. */
  async function interleaved<T>(s: fc.Scheduler, work: () => Promise<T>): Promise<T> {
    gate.start(s);
    try {
      return await s.waitFor(work());
    } finally {
      gate.stop();
    }
  }

  /**
   * Carries out a buyer's plan for a placed order: payment:created and
   * expiration:complete as it says (twice if `duplicate`), delivered until
   * acked, while the buyer cancels if it says so. What was never acked, and
   * the cancel's outcome.
   */
  async function followPlan(s: fc.Scheduler, orderId: string, plan: Plan, duplicate: boolean) {
    const events: EventEnvelope[] = [];
    if (plan.startsWith('pay')) events.push(envelopeOf(Subjects.PaymentCreated, { id: newId(), orderId, stripeId: `ch_${orderId}` }));
    if (plan === 'expire' || plan === 'pay-while-expiring') events.push(envelopeOf(Subjects.ExpirationComplete, { orderId }));
    if (duplicate) events.push(...events);
    const cancelling = plan === 'cancel' || plan === 'pay-while-cancelling';
    const [delivery, cancelOutcome] = await Promise.all([
      deliverUntilAcked(bus, s, events),
      cancelling ? s.schedule(Promise.resolve(), `buyer cancels ${orderId}`).then(() => cancelOrder(orderId, holds)) : undefined,
    ]);
    return { unacked: delivery.unacked, cancelOutcome };
  }

  /** One sweep at a point `s` picks, as if every order placed so far were past its expiry. */
  const sweepPastExpiry = (s: fc.Scheduler) =>
    s
      .schedule(Promise.resolve(), 'sweep')
      .then(() => new OrderSweeper({ intervalMs: 60000, graceMs: 0, holds }).sweep(new Date(Date.now() + (WINDOW_SECONDS + 1) * 1000)));

  /** order:created and order:cancelled as published for one ticket, once the outbox is flushed. */
  async function publishedFor(ticketId: string) {
    await relay.flush();
    return {
      created: bus.publishedData(Subjects.OrderCreated).filter((d) => d.ticket.id === ticketId),
      cancelled: bus.publishedData(Subjects.OrderCancelled).filter((d) => d.ticket.id === ticketId),
    };
  }

  return { bus, holds, interleaved, followPlan, sweepPastExpiry, publishedFor };
}
