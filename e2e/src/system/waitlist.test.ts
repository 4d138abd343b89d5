// The waiting list through the gateway, once per transport (SPEC "Waiting
// list: sold out is not the end"):
// 1. the 6 seats of a listing are held; 12 buyers join its waiting list for
//    one seat each; the 6 holds are cancelled at once: exactly the first 6
//    entries get offers, the others keep waiting (positions 1–6), nobody
//    else can order the offered seats, and the 6 offered buyers win them;
//    tickets and orders agree that nothing is available;
// 2. a winner cancels: the seat is offered to the 7th; untaken, the offer
//    expires (WAITLIST_OFFER_SECONDS) and passes to the 8th, who wins it.
// Prints the time from the cancels to the last offer.
import { MongoClient, ObjectId } from 'mongodb';
import { startTestSystem, TestSystem } from '../support/test-system';
import { LOCAL_DIR, TRANSPORTS } from './harness';
import { ApiResponse, eventually, show, User } from './user';

const WINDOW_SECONDS = 600;
const OFFER_SECONDS = 8;
const START_TIMEOUT_MS = 10 * 60 * 1000;

interface EntryJson {
  id: string;
  ticketId: string;
  quantity: number;
  status: 'waiting' | 'offered' | 'expired' | 'done' | 'left';
  position?: number;
  offerExpiresAt?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(TRANSPORTS)('the waiting list on %s', (eventBus) => {
  let sys: TestSystem;
  let origin: string;
  let mongo: MongoClient;
  const stamp = `wait-${eventBus}-${Date.now().toString(36)}`;
  const serverErrors: string[] = [];
  let seller: User;

  beforeAll(async () => {
    sys = await startTestSystem({
      name: 'system',
      eventBus,
      expirationWindowSeconds: WINDOW_SECONDS,
      localDir: LOCAL_DIR,
      gatewayPort: Number(process.env.E2E_GATEWAY_PORT || 18080),
      portBase: Number(process.env.E2E_PORT_BASE || 13000),
      infraPortOffset: Number(process.env.E2E_INFRA_PORT_OFFSET || 10),
      client: false,
      env: {
        SIGNUP_PER_IP_PER_MINUTE: '100000',
        ORDERS_PER_USER_PER_MINUTE: '100000',
        WAITLIST_OFFER_SECONDS: String(OFFER_SECONDS),
        WAITLIST_SWEEP_INTERVAL_MS: '500',
      },
    });
    origin = `http://localhost:${sys.url.split(':').pop()}`;
    mongo = new MongoClient(sys.mongoUri('orders'));
    await mongo.connect();
    seller = new User(origin, `seller-${stamp}@example.com`);
    expect((await seller.signUp()).status).toBe(201);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await mongo?.close();
    if (sys) await sys.stop();
  }, 60000);

  const record = (what: string, res: ApiResponse) => {
    if (res.status >= 500) serverErrors.push(`${what} → ${show(res)}`);
    return res;
  };
  const buyers = async (n: number, tag: string) => {
    const users = Array.from({ length: n }, (_, i) => new User(origin, `${tag}${i}-${stamp}@example.com`));
    for (const u of users) expect((await u.signUp()).status).toBe(201);
    return users;
  };
  /** Orders, retrying only while orders has not heard of the listing yet (404). */
  const order = async (buyer: User, ticketId: string) => {
    for (let i = 0; ; i += 1) {
      const res = record('order', await buyer.post('/api/orders', { ticketId, quantity: 1 }));
      if (res.status !== 404 || i === 30) return res;
      await sleep(100);
    }
  };
  const entryOf = async (buyer: User, ticketId: string) =>
    (await buyer.get<EntryJson[]>('/api/waitlist')).body.find((e) => e.ticketId === ticketId)!;
  const dbName = (service: string) => new URL(sys.mongoUri(service)).pathname.slice(1);
  const replica = (ticketId: string) => mongo.db(dbName('orders')).collection('tickets').findOne({ _id: new ObjectId(ticketId) });

  it('6 seats come back at once to 12 waiting buyers: exactly the first 6 get offers and win; an untaken offer passes to the next', async () => {
    const listing = await seller.post('/api/tickets', { title: `Wait ${stamp}`, price: 25, quantity: 6 });
    expect(listing.status).toBe(201);
    const ticketId = listing.body.id as string;
    const holders = await buyers(6, 'h');
    const holds: string[] = [];
    for (const h of holders) {
      const res = await order(h, ticketId);
      expect(res.status).toBe(201);
      holds.push(res.body.id);
    }

    const waiting = await buyers(12, 'w');
    for (const [i, w] of waiting.entries()) {
      const res = record('join', await w.post('/api/waitlist', { ticketId, quantity: 1 }));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ ticketId, quantity: 1, status: 'waiting', position: i + 1 });
    }
    const outsider = (await buyers(1, 'o'))[0];
    expect((await outsider.post('/api/waitlist', { ticketId, quantity: 7 })).body).toEqual({ errors: [{ message: "Quantity not allowed by the seller's split rule" }] });

    const cancelledAt = Date.now();
    const cancels = await Promise.all(holders.map((h, i) => h.delete(`/api/orders/${holds[i]}`)));
    expect(cancels.map((r) => r.status)).toEqual([204, 204, 204, 204, 204, 204]);

    const entries = await eventually(
      'the first 6 offered',
      async () => {
        const all = await Promise.all(waiting.map((w) => entryOf(w, ticketId)));
        return all.filter((e) => e.status === 'offered').length === 6 ? all : undefined;
      },
      { timeoutMs: 30000 },
    );
    const offerLatency = Date.now() - cancelledAt;
    expect(entries.map((e) => e.status)).toEqual([...Array(6).fill('offered'), ...Array(6).fill('waiting')]);
    expect(entries.slice(6).map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const e of entries.slice(0, 6)) expect(new Date(e.offerExpiresAt!).getTime()).toBeGreaterThan(Date.now());

    // Offered seats are nobody else's, and not available in tickets either.
    expect((await order(outsider, ticketId)).body).toEqual({ errors: [{ message: 'Ticket is already reserved' }] });
    await eventually('tickets to show no seat available', async () => ((await seller.get(`/api/tickets/${ticketId}`)).body.available === 0 ? true : undefined));

    const wins = await Promise.all(waiting.slice(0, 6).map((w) => order(w, ticketId)));
    expect(wins.map((r) => r.status)).toEqual(Array(6).fill(201));
    for (const w of waiting.slice(0, 6)) expect((await entryOf(w, ticketId)).status).toBe('done');
    for (const [i, w] of waiting.slice(6).entries()) expect(await entryOf(w, ticketId)).toMatchObject({ status: 'waiting', position: i + 1 });
    expect((await replica(ticketId))).toMatchObject({ available: 0, offers: [] });

    // A winner cancels: the 7th is offered the seat, lets it expire, and the 8th wins it.
    expect((await waiting[0].delete(`/api/orders/${wins[0].body.id}`)).status).toBe(204);
    await eventually('the 7th offered', async () => ((await entryOf(waiting[6], ticketId)).status === 'offered' ? true : undefined), { timeoutMs: 30000 });
    const expired = await eventually(
      'the 7th offer to expire and pass to the 8th',
      async () => {
        const [seventh, eighth] = [await entryOf(waiting[6], ticketId), await entryOf(waiting[7], ticketId)];
        return seventh.status === 'expired' && eighth.status === 'offered' ? { seventh, eighth } : undefined;
      },
      { timeoutMs: (OFFER_SECONDS + 30) * 1000, intervalMs: 500 },
    );
    expect(expired.seventh.offerExpiresAt).toBeDefined();
    expect((await order(waiting[7], ticketId)).status).toBe(201);
    for (const [i, w] of waiting.slice(8).entries()) expect(await entryOf(w, ticketId)).toMatchObject({ status: 'waiting', position: i + 1 });

    // Once quiet, tickets and orders agree: 6 held, none available.
    await eventually(
      'tickets and orders to agree',
      async () => {
        const mine = (await seller.get('/api/tickets/mine')).body.find((t: { id: string }) => t.id === ticketId);
        const r = await replica(ticketId);
        return mine.available === 0 && mine.held === 6 && r?.available === 0 && r?.holds.length === 6 ? true : undefined;
      },
      { timeoutMs: 30000, intervalMs: 500 },
    );
    process.stdout.write(`[waitlist ${eventBus}] 6 seats back to 12 waiting: first 6 offered ${offerLatency} ms after the cancels\n`);
    expect(serverErrors).toEqual([]);
  }, 300000);
});
