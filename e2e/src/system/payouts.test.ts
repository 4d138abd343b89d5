// Seller payouts through the gateway, once per transport (API only):
// 1. a seller sets up payouts (a Stripe Connect account: 201, then 200 with
//    the same account), lists two seats of an event that starts in a few
//    seconds; a buyer buys both and pays; the seller's payout is pending
//    until releaseAt (the event's start + PAYOUT_HOLD_SECONDS), then paid
//    once, with one transfer. Prints the time from releaseAt to paid.
// 2. payments is killed (SIGKILL) just as three payouts of another event
//    fall due: once it is back and its claims have lapsed, each payout is
//    paid once (one transferId, one `payout.paid` record in its log).
// stripe-mock answers Connect's requests by shape and keeps nothing: that a
// transfer is made once per idempotency key is proven at the SDK's boundary
// by the payments suite (domain/payouts*.test.ts); here the whole flow runs.
import { readFileSync } from 'fs';
import path from 'path';
import { gatewayOrigin, RATE_LIMITS_LIFTED, startSystemUnderTest, TestSystem, TRANSPORTS } from './harness';
import { eventually, listSeats, recordServerErrors, scheduleEvent, show, sleep, User } from './user';

const START_TIMEOUT_MS = 10 * 60 * 1000;
const HOLD_SECONDS = 2;
const RELEASE_INTERVAL_MS = 500;
const CLAIM_LEASE_MS = 3000;
// Long enough to list, order and pay before the event starts (orders refuses a started event) on a loaded machine.
const LEAD_MS = 25000;

interface PayoutJson {
  id: string;
  orderId: string;
  ticketId: string;
  amount: number;
  status: 'pending' | 'paid' | 'cancelled' | 'reversed';
  releaseAt: string;
  transferId?: string;
}


describe.each(TRANSPORTS)('seller payouts on %s', (eventBus) => {
  let sys: TestSystem;
  let origin: string;
  const stamp = `payouts-${eventBus}-${Date.now().toString(36)}`;
  const serverErrors: string[] = [];
  let seller: User;
  let accountId: string;

  beforeAll(async () => {
    sys = await startSystemUnderTest(eventBus, 120, {
      client: false,
      env: {
        ...RATE_LIMITS_LIFTED,
        PAYOUT_HOLD_SECONDS: String(HOLD_SECONDS),
        PAYOUT_RELEASE_INTERVAL_MS: String(RELEASE_INTERVAL_MS),
        PAYOUT_CLAIM_LEASE_MS: String(CLAIM_LEASE_MS),
      },
    });
    origin = gatewayOrigin(sys);
    seller = new User(origin, `seller-${stamp}@example.com`);
    expect((await seller.signUp()).status).toBe(201);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (sys) await sys.stop();
  }, 60000);

  const record = recordServerErrors(serverErrors);

  /** An event of the seller's starting LEAD_MS from now, and a listing of `quantity` seats of it at $25. */
  const eventWithListing = async (quantity: number) => {
    const startsAt = new Date(Date.now() + LEAD_MS);
    const eventId = await scheduleEvent(seller, { name: `Payday ${stamp}`, startsAt }, record);
    const listing = await listSeats(seller, { title: `Seats ${stamp}`, price: 25, eventId, quantity }, record);
    return { startsAt, eventId, ticketId: listing.id };
  };

  /** A buyer orders `quantity` seats (retrying while orders has not heard of the listing) and pays. */
  const buyAndPay = async (buyer: User, ticketId: string, quantity: number) => {
    const order = await eventually('an order', async () => {
      const res = record('order', await buyer.post('/api/orders', { ticketId, quantity }));
      if (res.status === 201) return res.body as { id: string; total: number };
      if (res.status === 404) return undefined;
      throw new Error(show(res));
    });
    const paid = await eventually('a payment', async () => {
      const res = record('pay', await buyer.post('/api/payments', { token: 'tok_visa', orderId: order.id }));
      if (res.status === 201) return res;
      if (res.status === 404) return undefined;
      throw new Error(show(res));
    });
    expect(paid.status).toBe(201);
    return order;
  };

  const payouts = async () => (await seller.get<PayoutJson[]>('/api/payouts')).body;

  it('sets up a payout account: 201, then 200 with the same account', async () => {
    const first = record('account', await seller.post('/api/payouts/account', {}));
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ accountId: expect.stringMatching(/^acct_/), onboardingUrl: expect.stringMatching(/^https:\/\//) });
    accountId = first.body.accountId;
    const again = record('account', await seller.post('/api/payouts/account', {}));
    expect(again.status).toBe(200);
    expect(again.body.accountId).toBe(accountId);
  });

  it('pays the seller once, after the event’s start plus the hold: pending, then paid with one transfer', async () => {
    const { startsAt, ticketId } = await eventWithListing(2);
    const buyer = new User(origin, `buyer-${stamp}@example.com`);
    expect((await buyer.signUp()).status).toBe(201);
    const order = await buyAndPay(buyer, ticketId, 2);
    expect(order.total).toBe(56); // 2 × ($25 + $3 fee): the seller is owed 2 × $25

    const pending = await eventually('the pending payout', async () => (await payouts()).find((p) => p.orderId === order.id));
    const releaseAt = new Date(startsAt.getTime() + HOLD_SECONDS * 1000);
    expect(pending).toMatchObject({ ticketId, amount: 50, status: 'pending', releaseAt: releaseAt.toISOString() });
    expect(Date.now()).toBeLessThan(releaseAt.getTime());

    const paid = await eventually(
      'the payout paid',
      async () => {
        const p = (await payouts()).find((x) => x.orderId === order.id);
        // Never paid before its time.
        if (p?.status === 'paid') return { p, at: Date.now() };
        return undefined;
      },
      { timeoutMs: LEAD_MS + 60000, intervalMs: 100 },
    );
    expect(paid.p).toMatchObject({ id: pending.id, amount: 50, status: 'paid', transferId: expect.stringMatching(/^tr_/) });
    expect(paid.at).toBeGreaterThanOrEqual(releaseAt.getTime());
    process.stdout.write(`[payouts ${eventBus}] releaseAt → paid (seen through the API, polled every 100 ms): ${paid.at - releaseAt.getTime()} ms\n`);

    // Later runs of the release change nothing.
    await sleep(4 * RELEASE_INTERVAL_MS);
    const after = (await payouts()).filter((p) => p.orderId === order.id);
    expect(after).toEqual([paid.p]);
    expect(serverErrors).toEqual([]);
  }, 180000);

  it('pays each payout once when payments is killed (SIGKILL) as they fall due', async () => {
    const { startsAt, ticketId } = await eventWithListing(3);
    const buyers = await Promise.all([0, 1, 2].map(async (i) => {
      const b = new User(origin, `k${i}-${stamp}@example.com`);
      expect((await b.signUp()).status).toBe(201);
      return b;
    }));
    const orders = await Promise.all(buyers.map((b) => buyAndPay(b, ticketId, 1)));
    const ids = new Set(orders.map((o) => o.id));
    await eventually('three pending payouts', async () => ((await payouts()).filter((p) => ids.has(p.orderId)).length === 3 ? true : undefined), { timeoutMs: 30000 });

    const releaseAt = startsAt.getTime() + HOLD_SECONDS * 1000;
    const before = sys.system.processes.find((p) => p.name === 'payments')!;
    // The release runs every 500 ms: killed within its first run over them.
    await sleep(Math.max(0, releaseAt - Date.now()) + RELEASE_INTERVAL_MS / 2);
    process.kill(before.pid, 'SIGKILL');
    const killedAt = Date.now();
    const seen = (await eventually(
      'the three payouts paid after the restart',
      async () => {
        const now = sys.system.processes.find((p) => p.name === 'payments')!;
        if (now.pid === before.pid) return undefined;
        const res = await seller.get<PayoutJson[]>('/api/payouts');
        if (res.status !== 200) return undefined;
        const mine = res.body.filter((p) => ids.has(p.orderId));
        return mine.length === 3 && mine.every((p) => p.status === 'paid') ? mine : undefined;
      },
      { timeoutMs: 90000, intervalMs: 250 },
    ))!;
    process.stdout.write(`[payouts ${eventBus}] payments killed ${killedAt - releaseAt} ms after releaseAt; all 3 paid ${Date.now() - killedAt} ms after the kill\n`);
    expect(new Set(seen.map((p) => p.transferId)).size).toBe(3);
    for (const p of seen) expect(p).toMatchObject({ amount: 25, status: 'paid', transferId: expect.stringMatching(/^tr_/) });

    // Never two recorded transfers for one payout in the payments log (both lives of the process). At most
    // one: the killed process may have recorded a payout whose log line died with it (the log is asynchronous).
    const log = readFileSync(path.join(sys.system.logDir, 'payments.log'), 'utf8');
    const recorded = log.split('\n').filter((l) => l.includes('"audit":"payout.paid"'));
    for (const p of seen) expect(recorded.filter((l) => l.includes(p.id)).length).toBeLessThanOrEqual(1);
    expect(sys.recentLogs(400)).toMatch(/payments died \(killed by SIGKILL\)/);
  }, 240000);
});
