// Abuse resistance on the whole system, through the gateway with
// the production limits, once per transport: a scalper's 20 concurrent orders
// give at most MAX_ACTIVE_ORDERS_PER_USER (3) holds, and the other services
// agree; holds that keep lapsing make the user wait; the per-user request
// limits; a guesser from many addresses gets at most 100 failures an hour on
// one account while its owner still signs in; a classroom behind one address
// gets through. Each test prints what it measured.
import http from 'http';
import { startSystemUnderTest, TestSystem, TRANSPORTS } from './harness';
import { ApiResponse, eventually, show, User } from './user';

// Short enough to watch holds lapse, long enough to check 20 concurrent orders' holds across services before they lapse.
const WINDOW_SECONDS = Number(process.env.E2E_ABUSE_EXPIRATION_WINDOW_SECONDS || 15);
const START_TIMEOUT_MS = 15 * 60 * 1000;
const MAX_HOLDS = 3; // MAX_ACTIVE_ORDERS_PER_USER's default
const TOO_MANY_UNPAID = { errors: [{ message: 'You have too many unpaid orders' }] };

const print = (line: string) => process.stdout.write(`${line}\n`);
const tally = (list: Array<{ status: number }>) =>
  list.reduce<Record<number, number>>((acc, r) => ({ ...acc, [r.status]: (acc[r.status] ?? 0) + 1 }), {});

/** POST /api/users/signin from a given loopback address (the gateway appends it to X-Forwarded-For). */
function signinFrom(gatewayPort: number, localAddress: string, email: string, password: string): Promise<ApiResponse> {
  const body = JSON.stringify({ email, password });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: gatewayPort,
        localAddress,
        method: 'POST',
        path: '/api/users/signin',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        timeout: 15000,
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
          resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined, headers });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

describe.each(TRANSPORTS)('abuse resistance of the whole system on %s', (eventBus) => {
  let sys: TestSystem;
  let origin: string;
  let gatewayPort: number;
  const stamp = `${eventBus}-${Date.now().toString(36)}`;
  let seller: User;
  const tickets: Array<{ id: string }> = [];

  const step = (fn: () => Promise<void>) => async () => {
    try {
      await fn();
    } catch (err) {
      print(`\n[abuse ${eventBus}] last service log lines:\n${sys ? sys.recentLogs() : '(system not started)'}\n`);
      throw err;
    }
  };

  beforeAll(async () => {
    sys = await startSystemUnderTest(eventBus, WINDOW_SECONDS);
    gatewayPort = Number(sys.system.url.split(':').pop());
    origin = `http://127.0.0.1:${gatewayPort}`;
    seller = new User(origin, `seller-${stamp}@example.com`);
    expect((await seller.signUp()).status).toBe(201);
    // 20 tickets for the scalper, one for the probe below.
    for (let i = 0; i <= 20; i++) {
      const res = await seller.post('/api/tickets', { title: `Abuse ${stamp} #${i}`, price: 10 + i });
      expect(res.status).toBe(201);
      tickets.push(res.body);
    }
    // The orders service knows the last ticket (so, events arriving in order, the others): a probe holds it.
    const probe = new User(origin, `probe-${stamp}@example.com`);
    expect((await probe.signUp()).status).toBe(201);
    await eventually('orders to know the tickets', async () => {
      const res = await probe.post('/api/orders', { ticketId: tickets[20].id });
      return res.status === 201 ? res : undefined;
    });
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (sys) await sys.stop();
  }, 60000);

  it(
    'gives a user at most 3 holds of 20 concurrent orders on 20 tickets, and every service agrees',
    step(async () => {
      const scalper = new User(origin, `scalper-${stamp}@example.com`);
      expect((await scalper.signUp()).status).toBe(201);
      const t0 = Date.now();
      const answers = await Promise.all(tickets.slice(0, 20).map((t) => scalper.post('/api/orders', { ticketId: t.id })));
      const ms = Date.now() - t0;
      print(`[abuse ${eventBus}] 20 concurrent orders from one user: ${JSON.stringify(tally(answers))} in ${ms} ms`);
      const won = answers.filter((a) => a.status === 201);
      expect(won).toHaveLength(MAX_HOLDS);
      for (const a of answers.filter((x) => x.status !== 201)) expect(show(a)).toBe(show({ ...a, status: 400, body: TOO_MANY_UNPAID }));

      // Orders: exactly those 3, unpaid. Tickets: exactly those 3 reserved, the 17 others still for sale.
      const mine = await scalper.get('/api/orders');
      expect(mine.body.map((o: { id: string }) => o.id).sort()).toEqual(won.map((w) => w.body.id).sort());
      const held = new Set(won.map((w) => w.body.ticket.id));
      await eventually('the tickets service to reserve exactly the 3 held tickets', async () => {
        const states = await Promise.all(tickets.slice(0, 20).map((t) => seller.get(`/api/tickets/${t.id}`)));
        const reserved = states.filter((s) => s.body.orderId).map((s) => s.body.id);
        return reserved.length === MAX_HOLDS && reserved.every((id) => held.has(id)) ? reserved : undefined;
      });
      const listing = await seller.get(`/api/tickets?q=${encodeURIComponent(`Abuse ${stamp}`)}`);
      const ours = new Set(tickets.slice(0, 20).map((t) => t.id));
      const listed = listing.body.map((t: { id: string }) => t.id).filter((id: string) => ours.has(id));
      expect(listed.filter((id: string) => held.has(id))).toEqual([]);
      expect(listed).toHaveLength(20 - MAX_HOLDS);
      print(`[abuse ${eventBus}] after: ${mine.body.length} orders of the user, ${MAX_HOLDS} tickets reserved, ${listed.length} listed`);

      // The 4th order after they landed is refused too, and the limit is per user: another user still buys.
      const fourth = await scalper.post('/api/orders', { ticketId: listed[0] });
      expect(show(fourth)).toBe(show({ ...fourth, status: 400, body: TOO_MANY_UNPAID }));
      const other = new User(origin, `other-${stamp}@example.com`);
      expect((await other.signUp()).status).toBe(201);
      expect((await other.post('/api/orders', { ticketId: listed[0] })).status).toBe(201);
    }),
  );

  it(
    'limits POST /api/orders (60) and POST /api/payments (30) per user per minute: 429 with Retry-After',
    step(async () => {
      const eager = new User(origin, `eager-${stamp}@example.com`);
      expect((await eager.signUp()).status).toBe(201);
      const orders = await Promise.all(Array.from({ length: 61 }, () => eager.post('/api/orders', { ticketId: 'not-an-id' })));
      const payments = await Promise.all(
        Array.from({ length: 31 }, () => eager.post('/api/payments', { token: 'tok_visa', orderId: 'not-an-id' })),
      );
      print(`[abuse ${eventBus}] 61 orders in a minute: ${JSON.stringify(tally(orders))}; 31 payments: ${JSON.stringify(tally(payments))}`);
      for (const [list, limit] of [
        [orders, 60],
        [payments, 30],
      ] as const) {
        expect(list.filter((r) => r.status === 429)).toHaveLength(list.length - limit);
        const refused = list.find((r) => r.status === 429)!;
        expect(refused.body).toEqual({ errors: [{ message: expect.stringMatching(/^Too many requests, try again in \d+ seconds?$/) }] });
        const retryAfter = Number(refused.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
      // Another user is not affected.
      const calm = new User(origin, `calm-${stamp}@example.com`);
      expect((await calm.signUp()).status).toBe(201);
      expect((await calm.post('/api/orders', { ticketId: 'not-an-id' })).status).toBe(400);
    }),
  );

  it(
    'makes a user whose holds keep lapsing unpaid wait before the next hold (5 lapses)',
    step(async () => {
      const lapser = new User(origin, `lapser-${stamp}@example.com`);
      expect((await lapser.signUp()).status).toBe(201);
      const free = (await seller.get(`/api/tickets?q=${encodeURIComponent(`Abuse ${stamp}`)}`)).body.map((t: { id: string }) => t.id);
      const lapse = async (ticketIds: string[]) => {
        const placed = await Promise.all(ticketIds.map((ticketId) => lapser.post('/api/orders', { ticketId })));
        expect(placed.map((p) => p.status)).toEqual(ticketIds.map(() => 201));
        for (const p of placed) {
          await eventually(
            'the unpaid order to lapse',
            async () => ((await lapser.get(`/api/orders/${p.body.id}`)).body.status === 'cancelled' ? true : undefined),
            { timeoutMs: (WINDOW_SECONDS + 30) * 1000, intervalMs: 250 },
          );
        }
      };
      await lapse(free.slice(0, 3));
      await lapse(free.slice(3, 5));
      const sixth = await eventually('the tickets to be free again', async () => {
        const res = await lapser.post('/api/orders', { ticketId: free[0] });
        return res.status === 400 && res.body.errors[0].message === 'Ticket is already reserved' ? undefined : res;
      });
      print(`[abuse ${eventBus}] after 5 lapsed holds: ${show(sixth)} Retry-After ${sixth.headers.get('retry-after')}`);
      expect(sixth.status).toBe(429);
      expect(sixth.body).toEqual({ errors: [{ message: 'You have let too many orders expire unpaid, try again in 60 minutes' }] });
      expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(3500);
      // Someone else still buys that ticket.
      const buyer = new User(origin, `patient-${stamp}@example.com`);
      expect((await buyer.signUp()).status).toBe(201);
      expect((await buyer.post('/api/orders', { ticketId: free[0] })).status).toBe(201);
    }),
    (WINDOW_SECONDS + 30) * 2 * 1000 + 60000,
  );

  it(
    'stops the 101st failed sign-in of an account within the hour from 21 addresses, and its owner still signs in',
    step(async () => {
      const victim = new User(origin, `victim-${stamp}@example.com`, 'victim secret 1');
      expect((await victim.signUp()).status).toBe(201);
      // The owner signed in from 127.0.0.1 before: that address is known to the account.
      expect((await signinFrom(gatewayPort, '127.0.0.1', victim.email, victim.password)).status).toBe(200);
      const answers: ApiResponse[] = [];
      // 5 free failures per address (then its back-off): 20 addresses give 100, the 21st tries the 101st.
      for (let a = 0; a < 21; a++) {
        const address = `127.0.0.${10 + a}`;
        for (let i = 0; i < (a < 20 ? 5 : 1); i++) answers.push(await signinFrom(gatewayPort, address, victim.email, `guess ${a}.${i}`));
      }
      const last = answers[answers.length - 1];
      print(`[abuse ${eventBus}] 101 wrong passwords from 21 addresses: ${JSON.stringify(tally(answers))}; the 101st: ${show(last)} Retry-After ${last.headers.get('retry-after')}`);
      expect(answers.slice(0, 100).every((r) => r.status === 400 && r.body.errors[0].message === 'Invalid credentials')).toBe(true);
      expect(last.status).toBe(429);
      expect(Number(last.headers.get('retry-after'))).toBeGreaterThan(3000);
      // Even the right password from a new address waits; from the owner's known address it signs in.
      expect((await signinFrom(gatewayPort, '127.0.0.99', victim.email, victim.password)).status).toBe(429);
      expect((await signinFrom(gatewayPort, '127.0.0.1', victim.email, victim.password)).status).toBe(200);
    }),
  );

  it(
    'lets a classroom behind one address through: 50 sign-ups and 50 users’ ordinary traffic in a minute',
    step(async () => {
      const students = Array.from({ length: 50 }, (_, i) => new User(origin, `student${i}-${stamp}@example.com`, `student pass ${i}`));
      const t0 = Date.now();
      const statuses: Record<string, Record<number, number>> = {};
      const count = (what: string, res: ApiResponse) => {
        statuses[what] = statuses[what] ?? {};
        statuses[what][res.status] = (statuses[what][res.status] ?? 0) + 1;
        return res;
      };
      // Ten at a time, each student: sign up, look around, sign out, mistype, sign in, look again
      // (the time it took is printed: within the minute the per-minute limits count in, here).
      for (let i = 0; i < students.length; i += 10) {
        await Promise.all(
          students.slice(i, i + 10).map(async (s) => {
            count('signup', await s.signUp());
            count('currentuser', await s.get('/api/users/currentuser'));
            count('tickets', await s.get('/api/tickets'));
            count('signout', await s.post('/api/users/signout'));
            count('mistyped signin', await s.post('/api/users/signin', { email: s.email, password: `${s.password}x` }));
            count('signin', await s.post('/api/users/signin', { email: s.email, password: s.password }));
            count('currentuser', await s.get('/api/users/currentuser'));
            count('orders', await s.get('/api/orders'));
            count('tickets', await s.get('/api/tickets'));
          }),
        );
      }
      const seconds = (Date.now() - t0) / 1000;
      print(`[abuse ${eventBus}] classroom of 50 from one address in ${seconds.toFixed(1)} s: ${JSON.stringify(statuses)}`);
      expect(statuses).toEqual({
        signup: { 201: 50 },
        currentuser: { 200: 100 },
        tickets: { 200: 100 },
        signout: { 200: 50 },
        'mistyped signin': { 400: 50 },
        signin: { 200: 50 },
        orders: { 200: 50 },
      });
    }),
  );
});
