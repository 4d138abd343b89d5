// The on-sale rush for the seats of one listing, through the gateway, once
// per transport:
// 1. 40 buyers race for the 10 seats of one listing, one seat each: exactly
//    10 win, nobody gets a 5xx; then some winners pay, some cancel, the rest
//    let the lock lapse; once quiet, tickets and orders agree on available,
//    held and sold;
// 2. 30 buyers ask for 1–4 seats of a listing of 12 at once: never more won
//    than listed, no seat left that a refused buyer could have had; once
//    every lock has lapsed, every view shows the 12 seats free again.
// "Agree" is checked within a bounded time (the services converge once their
// events arrive). Prints its counts.
import { MongoClient, ObjectId } from 'mongodb';
import { gatewayOrigin, RATE_LIMITS_LIFTED, startSystemUnderTest, TestSystem, TRANSPORTS } from './harness';
import { buySeats, eventually, listSeats, payOrder, recordServerErrors, scheduleEvent, signUpBuyers, sleep, User } from './user';

// Long enough that the lock outlives the first agreement check on a loaded machine.
const WINDOW_SECONDS = 15;
const START_TIMEOUT_MS = 10 * 60 * 1000;
const SETTLE_TIMEOUT_MS = 60000;

interface ListingJson {
  id: string;
  quantity: number;
  available: number;
  fee: number;
  allInPrice: number;
}
interface MineJson extends ListingJson {
  held: number;
  sold: number;
  status: string;
}
interface OrderJson {
  id: string;
  status: 'created' | 'cancelled' | 'complete';
  quantity: number;
  total: number;
  ticket: { id: string };
}


describe.each(TRANSPORTS)('the on-sale rush for seats on %s', (eventBus) => {
  let sys: TestSystem;
  let origin: string;
  let mongo: MongoClient;
  const stamp = `seats-${eventBus}-${Date.now().toString(36)}`;
  const serverErrors: string[] = [];
  let seller: User;
  let eventId: string;

  beforeAll(async () => {
    // 70 buyers sign up from one address; the hold limit stays as shipped.
    sys = await startSystemUnderTest(eventBus, WINDOW_SECONDS, { client: false, env: RATE_LIMITS_LIFTED });
    origin = gatewayOrigin(sys);
    mongo = new MongoClient(sys.mongoUri('orders'));
    await mongo.connect();
    seller = new User(origin, `seller-${stamp}@example.com`);
    expect((await seller.signUp()).status).toBe(201);
    eventId = await scheduleEvent(seller, { name: `Rush ${stamp}`, startsAt: new Date(Date.now() + 7 * 24 * 3600 * 1000) });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await mongo?.close();
    if (sys) await sys.stop();
  }, 60000);

  const record = recordServerErrors(serverErrors);

  /** Lists `quantity` seats of the event, once the tickets service has heard of the event. */
  const list = (quantity: number) => listSeats<ListingJson>(seller, { title: `Seats ${stamp}`, price: 25, eventId, quantity, section: '101', row: 'F' }, record);

  /** Signed-up buyers, `n` of them. */
  const buyers = (n: number, tag: string) => signUpBuyers(origin, n, (i) => `${tag}${i}-${stamp}@example.com`);

  /** Orders, retrying only while orders has not heard of the listing yet (404). */
  const order = (buyer: User, ticketId: string, quantity: number) => buySeats(buyer, ticketId, quantity, { record, retries: 30 });

  /** Until the listing is in orders' replica (an order for it is no longer a 404). */
  const replicated = (ticketId: string) =>
    eventually('the listing in orders', async () => ((await mongo.db(dbName('orders')).collection('tickets').findOne({ _id: new ObjectId(ticketId) })) ? true : undefined));

  const dbName = (service: string) => new URL(sys.mongoUri(service)).pathname.slice(1);

  /** What every view says of a listing: tickets (show and the seller's /mine), orders (its buyers' orders, its replica). */
  const views = async (ticketId: string, orderOwners: Map<string, User>) => {
    const shown = (await seller.get<ListingJson>(`/api/tickets/${ticketId}`)).body;
    const mine = (await seller.get<MineJson[]>('/api/tickets/mine')).body.find((t) => t.id === ticketId)!;
    const orders = await Promise.all([...orderOwners].map(async ([id, who]) => (await who.get<OrderJson>(`/api/orders/${id}`)).body));
    const seats = (status: string) => orders.filter((o) => o.status === status).reduce((n, o) => n + o.quantity, 0);
    const replica = await mongo.db(dbName('orders')).collection('tickets').findOne({ _id: new ObjectId(ticketId) });
    return {
      tickets: { available: shown.available, mineAvailable: mine.available, held: mine.held, sold: mine.sold },
      orders: { held: seats('created'), sold: seats('complete'), replicaAvailable: replica?.available },
    };
  };

  /** Waits until every view agrees with `expected`; returns the last views seen. */
  const agree = async (ticketId: string, orderOwners: Map<string, User>, expected: { available: number; held: number; sold: number }) => {
    let last: Awaited<ReturnType<typeof views>> | undefined;
    try {
      await eventually(
        'every view to agree',
        async () => {
          last = await views(ticketId, orderOwners);
          const { tickets: t, orders: o } = last;
          const ok =
            t.available === expected.available &&
            t.mineAvailable === expected.available &&
            o.replicaAvailable === expected.available &&
            t.held === expected.held &&
            o.held === expected.held &&
            t.sold === expected.sold &&
            o.sold === expected.sold;
          return ok ? true : undefined;
        },
        { timeoutMs: SETTLE_TIMEOUT_MS, intervalMs: 500 },
      );
    } finally {
      process.stdout.write(`[seats ${eventBus}] listing ${ticketId}: expected ${JSON.stringify(expected)}, views ${JSON.stringify(last)}\n`);
    }
  };

  it('40 buyers race for 10 seats: exactly 10 win; once paid, cancelled and lapsed, every view agrees', async () => {
    const listing = await list(10);
    expect(listing).toMatchObject({ quantity: 10, available: 10, fee: 3, allInPrice: 28 });
    const racers = await buyers(40, 'r');
    await replicated(listing.id);

    const answers = await Promise.all(racers.map((b) => order(b, listing.id, 1)));
    const winners = racers.filter((_, i) => answers[i].status === 201);
    const refusals = answers.filter((a) => a.status !== 201).map((a) => `${a.status} ${a.body?.errors?.[0]?.message}`);
    process.stdout.write(`[seats ${eventBus}] 40 buyers for 10 seats: ${winners.length} won; refusals ${JSON.stringify(count(refusals))}\n`);
    expect(serverErrors).toEqual([]);
    expect(winners).toHaveLength(10);
    expect(new Set(refusals)).toEqual(new Set(['400 Ticket is already reserved']));
    const orderOwners = new Map(winners.map((w, i) => [answers[racers.indexOf(w)].body.id as string, winners[i]]));
    for (const res of answers.filter((a) => a.status === 201)) expect(res.body).toMatchObject({ quantity: 1, unitPrice: 25, fee: 3, total: 28 });
    await agree(listing.id, orderOwners, { available: 0, held: 10, sold: 0 });

    // Four pay, three cancel, three let the lock lapse: all at once.
    const ids = [...orderOwners.keys()];
    const pay = (orderId: string) => payOrder(orderOwners.get(orderId)!, orderId, { record, retries: 30 });
    const fates = await Promise.all([
      ...ids.slice(0, 4).map(async (id) => (await pay(id)).status),
      ...ids.slice(4, 7).map(async (id) => record('cancel', await orderOwners.get(id)!.delete(`/api/orders/${id}`)).status),
    ]);
    expect(fates).toEqual([201, 201, 201, 201, 204, 204, 204]);
    await sleep(WINDOW_SECONDS * 1000 + 500);
    await agree(listing.id, orderOwners, { available: 6, held: 0, sold: 4 });
    expect(serverErrors).toEqual([]);
  }, 240000);

  it('30 buyers ask for 1–4 of 12 seats at once: never oversold, none left that a refused buyer could have had; lapsed, all 12 free again', async () => {
    const listing = await list(12);
    const crowd = await buyers(30, 'c');
    await replicated(listing.id);
    const asked = crowd.map(() => 1 + Math.floor(Math.random() * 4));

    const answers = await Promise.all(crowd.map((b, i) => order(b, listing.id, asked[i])));
    const won = answers.reduce((n, a, i) => n + (a.status === 201 ? asked[i] : 0), 0);
    const refused = asked.filter((_, i) => answers[i].status !== 201);
    const refusals = answers.filter((a) => a.status !== 201).map((a) => `${a.status} ${a.body?.errors?.[0]?.message}`);
    process.stdout.write(`[seats ${eventBus}] 30 buyers asking ${JSON.stringify(count(asked.map(String)))} of 12: ${won} seats won; refusals ${JSON.stringify(count(refusals))}\n`);
    expect(serverErrors).toEqual([]);
    expect(won).toBeLessThanOrEqual(12);
    for (const refusal of refusals) expect(refusal).toMatch(/^400 (Ticket is already reserved|Only [1-3] tickets left)$/);
    // Seats only went down during the race: a refusal of q seats means fewer than q were left, then and at the end.
    expect(12 - won).toBeLessThan(Math.min(...refused));
    for (const [i, res] of answers.entries()) if (res.status === 201) expect(res.body).toMatchObject({ quantity: asked[i], total: asked[i] * 28 });

    const orderOwners = new Map(answers.flatMap((a, i) => (a.status === 201 ? [[a.body.id as string, crowd[i]] as const] : [])));
    await agree(listing.id, orderOwners, { available: 12 - won, held: won, sold: 0 });
    await sleep(WINDOW_SECONDS * 1000 + 500);
    await agree(listing.id, orderOwners, { available: 12, held: 0, sold: 0 });
    expect(serverErrors).toEqual([]);
  }, 240000);
});

function count(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
