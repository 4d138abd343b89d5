/**
 * Model-based concurrency test of the notifications: one purchase (its
 * order:created, payment:created) and one event's listings racing its
 * watches (ticket:created, repricings by ticket:updated), each message
 * delivered once or twice (duplicates on the wire) and redelivered until
 * acked; meanwhile email senders run — some of them die after claiming an
 * email and before the SMTP server got it (a restart: a later sender takes
 * the lapsed claim over), and the server may be down for some attempts.
 * fast-check's scheduler orders every database call of the notifications'
 * records and every delivery and SMTP answer.
 *
 * Then, once quiet (later sender rounds): each expected notification exists
 * exactly once (the buyer's order-paid, the seller's ticket-sold, one
 * price-alert per watch and listing whose last price is within it; one whose
 * earlier price only was may alert, once), nothing else; each was emailed
 * exactly once, to its user's address.
 */
import fc from 'fast-check';
import { EventEnvelope, OrderStatus, Subjects } from '@ticketing/common';
import { deliverUntilAcked, envelopeOf, gateDatabaseCalls, newId, useTestDatabase } from '@ticketing/common/testing';
import { EmailStatus, Notification } from '../data/notification';
import { Listing } from '../data/listing';
import { Order } from '../data/order';
import { User } from '../data/user';
import { Watch } from '../data/watch';
import { knownEvent, listingData, orderData, testMailSettings, testService } from '../test/app';
import { Email, MailTransport, sendDue } from './mail';

useTestDatabase();

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);
const { bus, listening } = testService();
let gate: ReturnType<typeof gateDatabaseCalls>;

beforeAll(async () => {
  await listening;
  // Once connected: the FerretDB adapter wraps each collection's methods when the connection opens.
  gate = gateDatabaseCalls([Notification, Order, Listing, Watch]);
});
afterAll(() => gate.restore());

interface History {
  /** Copies of each message on the wire. */
  copies: number[];
  /** Watches' maximum all-in prices. */
  watchPrices: number[];
  /** Each listing's price, then its repricings. */
  listings: number[][];
  /** Concurrent senders: `dies` claims one email and never sends it (the process died); `late` runs after claims lapse. */
  senders: Array<'runs' | 'dies' | 'late'>;
  /** The SMTP server's answer to each send, in order (then up). */
  smtp: Array<'up' | 'down'>;
}

const historyArb: fc.Arbitrary<History> = fc.record({
  copies: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 8, maxLength: 8 }),
  watchPrices: fc.array(fc.constantFrom(20, 28, 40), { minLength: 1, maxLength: 2 }),
  listings: fc.array(fc.array(fc.constantFrom(15, 22, 30, 45), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }),
  senders: fc.array(fc.constantFrom<'runs' | 'dies' | 'late'>('runs', 'dies', 'late'), { minLength: 2, maxLength: 3 }),
  smtp: fc.array(fc.constantFrom<'up' | 'down'>('up', 'down'), { maxLength: 4 }),
});

/** The SMTP server as the outbox meets it: answers in the scheduler's order, down when the history says so. */
class SmtpModel implements MailTransport {
  readonly received: Email[] = [];
  scheduler?: fc.Scheduler;
  constructor(private readonly answers: Array<'up' | 'down'>) {}
  async send(email: Email): Promise<void> {
    if (this.scheduler) await this.scheduler.schedule(Promise.resolve(), `smtp ${email.subject} to ${email.to}`);
    if ((this.answers.shift() ?? 'up') === 'down') throw new Error('connect ECONNREFUSED');
    this.received.push(email);
  }
}

/** A sender whose process dies after its claim: the send never reaches the server. */
const dyingTransport: MailTransport = { send: () => new Promise<void>(() => undefined) };

async function runHistory(s: fc.Scheduler, h: History) {
  const eventId = await knownEvent();
  const buyer = newId();
  const seller = newId();
  const watchers = h.watchPrices.map(() => newId());
  for (const userId of [buyer, seller, ...watchers]) await User.create({ _id: userId, email: `${userId}@example.com` });
  const watches = await Promise.all(h.watchPrices.map((maxPrice, i) => Watch.create({ userId: watchers[i], eventId, maxPrice })));

  const order = orderData({ userId: buyer, sellerId: seller, eventId });
  const envelopes: EventEnvelope[] = [];
  const push = (envelope: EventEnvelope, copies: number) => {
    for (let c = 0; c < copies; c += 1) envelopes.push(envelope);
  };
  push(envelopeOf(Subjects.OrderCreated, order), h.copies[0]);
  push(envelopeOf(Subjects.PaymentCreated, { id: newId(), orderId: order.id, stripeId: 'pi_x' }), h.copies[1]);
  const listingIds = h.listings.map(() => newId());
  h.listings.forEach((prices, i) =>
    prices.forEach((price, version) => {
      const data = listingData({ id: listingIds[i], version, price, fee: 3, userId: seller, eventId, quantity: 4 });
      push(version === 0 ? envelopeOf(Subjects.TicketCreated, data) : envelopeOf(Subjects.TicketUpdated, data), h.copies[2 + ((i * 3 + version) % 6)]);
    }),
  );

  const smtp = new SmtpModel([...h.smtp]);
  smtp.scheduler = s;
  const late = () => new Date(Date.now() + testMailSettings.claimMs + 1000);
  const sender = async (i: number, kind: History['senders'][number]) => {
    await s.schedule(Promise.resolve(), `sender ${i} ${kind}`);
    if (kind === 'dies') {
      // Claims the first due email, then never finishes: its process is gone.
      void sendDue(dyingTransport, { ...testMailSettings, batchSize: 1 }).catch(() => undefined);
      return;
    }
    // A few rounds while the messages are still arriving, as the sender's interval would.
    for (let round = 0; round < 3; round += 1) {
      await sendDue(smtp, testMailSettings, kind === 'late' ? late() : new Date()).catch(() => undefined);
      await s.schedule(Promise.resolve(), `sender ${i} round ${round} done`);
    }
  };

  gate.start(s);
  try {
    await s.waitFor(Promise.all([deliverUntilAcked(bus, s, envelopes).then((r) => expect(r.unacked).toEqual([])), ...h.senders.map((k, i) => sender(i, k))]));
  } finally {
    gate.stop();
    smtp.scheduler = undefined;
  }

  // Quiet: later rounds of the sender, every claim lapsed and every back-off over by then.
  for (let round = 1; round <= 8; round += 1) {
    await sendDue(smtp, testMailSettings, new Date(Date.now() + round * (testMailSettings.claimMs + 1000)));
  }

  // ---- the model
  // A listing alerts a watch when it is stored at a price within it: certainly at its last price (the newest
  // version is always applied); maybe at an earlier one (only if that version arrived before the later ones).
  const must = [`${buyer} order-paid ${order.id}`, `${seller} ticket-sold ${order.id}`];
  const may: string[] = [];
  h.listings.forEach((prices, i) => {
    watches.forEach((w) => {
      const key = `${w.userId} price-alert ${w.id}:${listingIds[i]}`;
      if (prices[prices.length - 1] + 3 <= w.maxPrice) must.push(key);
      else if (prices.some((p) => p + 3 <= w.maxPrice)) may.push(key);
    });
  });
  const stored = await Notification.find({}).lean();
  const keys = stored.map((n) => `${n.userId} ${n.kind} ${n.key}`);
  // Each once (the unique key), every certain one there, nothing outside the possible ones.
  expect(new Set(keys).size).toBe(keys.length);
  expect(keys.filter((k) => must.includes(k)).sort()).toEqual([...must].sort());
  expect(keys.filter((k) => !must.includes(k) && !may.includes(k))).toEqual([]);
  expect(stored.every((n) => n.emailStatus === EmailStatus.Sent)).toBe(true);
  const sentIds = smtp.received.map((e) => e.messageId).sort();
  expect(sentIds).toEqual(stored.map((n) => `<notification-${String(n._id)}@ticketing.dev>`).sort());
  for (const n of stored) expect(smtp.received.find((e) => e.messageId.includes(String(n._id)))!.to).toBe(`${n.userId}@example.com`);
  expect((await Order.findById(order.id))!.status).toBe(OrderStatus.Complete);
}

it('any interleaving of redeliveries, duplicate messages, dying senders and an SMTP server going down yields each notification once and each email once', async () => {
  await fc.assert(
    fc.asyncProperty(fc.scheduler(), historyArb, async (s, h) => {
      await Promise.all([Notification.deleteMany({}), Order.deleteMany({}), Listing.deleteMany({}), Watch.deleteMany({}), User.deleteMany({})]);
      await runHistory(s, h);
    }),
    { numRuns: RUNS, timeout: 60000 },
  );
}, 600000);
