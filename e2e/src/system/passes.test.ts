// Passes through the gateway, once per transport, with a second replica of
// the tickets service started beside the system's (same database, same bus,
// its own port), so that concurrent requests really meet in two processes:
// 1. a buyer pays for 3 seats and holds 3 valid passes within seconds (the
//    time from payment to passes is printed);
// 2. 10 concurrent scans of one code, half through the gateway, half to the
//    second replica → exactly one admitted, nine `Pass already used`;
// 3. 5 concurrent transfers of one pass to 5 friends, split the same way →
//    exactly one succeeds; the recipient's pass admits, the old code is
//    `Pass is void`; a forged code is `Invalid pass`.
// Recipients are known to tickets through auth's user:created.
import { spawn, ChildProcess } from 'child_process';
import { randomBytes } from 'crypto';
import path from 'path';
import { MongoClient } from 'mongodb';
import { REPO, startTestSystem, TestSystem } from '../support/test-system';
import { LOCAL_DIR, TRANSPORTS } from './harness';
import { ApiResponse, eventually, show, User } from './user';

const START_TIMEOUT_MS = 10 * 60 * 1000;
const PORT_BASE = Number(process.env.E2E_PORT_BASE || 13000);
const INFRA_PORT_OFFSET = Number(process.env.E2E_INFRA_PORT_OFFSET || 10);
/** The second tickets replica's port: clear of the system's (portBase + 0..6). */
const REPLICA_PORT = PORT_BASE + 47;

interface PassJson {
  id: string;
  orderId: string;
  holderId: string;
  seat: { section?: string; row?: string; number: number };
  code: string;
  status: 'valid' | 'used' | 'void';
}

describe.each(TRANSPORTS)('passes on %s', (eventBus) => {
  let sys: TestSystem;
  let origin: string;
  let replica: ChildProcess | undefined;
  let replicaLog = '';
  let mongo: MongoClient;
  const jwtKey = randomBytes(32).toString('hex');
  const stamp = `passes-${eventBus}-${Date.now().toString(36)}`;
  const serverErrors: string[] = [];
  let organizer: User;
  let buyer: User;
  let passes: PassJson[];

  /** The same user, talking to the second replica directly (its session cookie is good there: one JWT_KEY). */
  const viaReplica = (user: User) => {
    const twin = new User(`http://127.0.0.1:${REPLICA_PORT}`, user.email);
    for (const [k, v] of user.cookies) twin.cookies.set(k, v);
    return twin;
  };

  beforeAll(async () => {
    sys = await startTestSystem({
      name: 'system',
      eventBus,
      expirationWindowSeconds: 120,
      localDir: LOCAL_DIR,
      gatewayPort: Number(process.env.E2E_GATEWAY_PORT || 18080),
      portBase: PORT_BASE,
      infraPortOffset: INFRA_PORT_OFFSET,
      client: false,
      env: { JWT_KEY: jwtKey, SIGNUP_PER_IP_PER_MINUTE: '100000', ORDERS_PER_USER_PER_MINUTE: '100000', PAYMENTS_PER_USER_PER_MINUTE: '100000' },
    });
    origin = `http://localhost:${sys.url.split(':').pop()}`;
    mongo = new MongoClient(sys.mongoUri('tickets'));
    await mongo.connect();

    // The second replica: the built service, as scripts/system.js starts the first.
    const natsPort = eventBus === 'jetstream' ? 4223 + INFRA_PORT_OFFSET : 4222 + INFRA_PORT_OFFSET;
    replica = spawn(process.execPath, [path.join('dist', 'index.js')], {
      cwd: path.join(REPO, 'tickets'),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: String(REPLICA_PORT),
        SERVICE_NAME: 'tickets',
        MONGO_URI: sys.mongoUri('tickets'),
        JWT_KEY: jwtKey,
        COOKIE_SECURE: 'false',
        EVENT_BUS: eventBus,
        NATS_URL: `nats://127.0.0.1:${natsPort}`,
        NATS_CLUSTER_ID: 'ticketing',
        NATS_CLIENT_ID: `tickets-twin-${stamp}`,
        OTEL_SDK_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (chunk: Buffer) => {
      replicaLog = (replicaLog + chunk.toString()).slice(-20000);
    };
    replica.stdout!.on('data', keep);
    replica.stderr!.on('data', keep);
    await eventually(
      'the second tickets replica ready',
      async () => ((await fetch(`http://127.0.0.1:${REPLICA_PORT}/readyz`).catch(() => null))?.status === 200 ? true : undefined),
      { timeoutMs: 60000, intervalMs: 250 },
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n${replicaLog}`);
    });

    organizer = new User(origin, `organizer-${stamp}@example.com`);
    expect((await organizer.signUp()).status).toBe(201);
    buyer = new User(origin, `buyer-${stamp}@example.com`);
    expect((await buyer.signUp()).status).toBe(201);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (replica && replica.exitCode === null) {
      replica.kill('SIGTERM');
      await new Promise((r) => replica!.once('exit', r));
    }
    await mongo?.close();
    if (sys) await sys.stop();
  }, 60000);

  afterEach(() => {
    if (serverErrors.length) process.stdout.write(`replica log:\n${replicaLog.slice(-3000)}\n${sys.recentLogs()}\n`);
    expect(serverErrors).toEqual([]);
  });

  const record = (what: string, res: ApiResponse) => {
    if (res.status >= 500) serverErrors.push(`${what} → ${show(res)}`);
    return res;
  };

  it('gives the buyer of 3 seats 3 valid passes within seconds of paying', async () => {
    const event = await organizer.post('/api/events', {
      name: `Gate ${stamp}`,
      venue: 'Arena',
      city: 'Springfield',
      startsAt: new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString(),
      category: 'concert',
    });
    expect(event.status).toBe(201);
    const listing = await eventually('a listing for the event', async () => {
      const res = record('list', await organizer.post('/api/tickets', { title: `Seats ${stamp}`, price: 25, eventId: event.body.id, quantity: 10, section: 'B', row: '7' }));
      if (res.status === 201) return res.body as { id: string };
      if (res.status === 400 && res.body.errors?.[0]?.message === 'Event not found') return undefined;
      throw new Error(show(res));
    });
    const order = await eventually('an order of 3 seats', async () => {
      const res = record('order', await buyer.post('/api/orders', { ticketId: listing.id, quantity: 3 }));
      if (res.status === 201) return res.body as { id: string };
      if (res.status === 404) return undefined; // orders has not heard of the listing yet
      throw new Error(show(res));
    });
    const paidAt = Date.now();
    expect(record('pay', await buyer.post('/api/payments', { token: 'tok_visa', orderId: order.id })).status).toBe(201);
    passes = await eventually(
      'the passes',
      async () => {
        const res = record('passes', await buyer.get(`/api/passes?orderId=${order.id}`));
        if (res.status !== 200) throw new Error(show(res));
        return res.body.length === 3 ? (res.body as PassJson[]) : undefined;
      },
      { timeoutMs: 30000, intervalMs: 50 },
    );
    process.stdout.write(`[passes ${eventBus}] payment → 3 passes in ${Date.now() - paidAt} ms\n`);
    expect(passes.map((p) => p.seat)).toEqual([1, 2, 3].map((number) => ({ section: 'B', row: '7', number })));
    expect(passes.every((p) => p.status === 'valid' && p.holderId === buyer.id)).toBe(true);
  });

  it('admits exactly one of 10 concurrent scans of one code, across two replicas', async () => {
    const [pass] = passes;
    const gate = [organizer, viaReplica(organizer)];
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => gate[i % 2].post('/api/passes/scan', { code: pass.code })));
    answers.forEach((a) => record('scan', a));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 409).map((a) => a.body.errors[0].message)).toEqual(Array(9).fill('Pass already used'));
    expect((await organizer.post('/api/passes/scan', { code: pass.code })).status).toBe(409);
  });

  it('lets exactly one of 5 concurrent transfers of one pass succeed, across two replicas; the recipient is admitted, the old code refused', async () => {
    const friends = Array.from({ length: 5 }, (_, i) => new User(origin, `friend${i}-${stamp}@example.com`));
    for (const f of friends) expect((await f.signUp()).status).toBe(201);
    // Known to tickets once auth's user:created arrives.
    const users = mongo.db(new URL(sys.mongoUri('tickets')).pathname.slice(1)).collection('users');
    await eventually('the friends in tickets\' replica of users', async () => ((await users.countDocuments({ _id: { $in: friends.map((f) => f.id) } as never })) === 5 ? true : undefined));

    const pass = passes[1];
    const holders = [buyer, viaReplica(buyer)];
    const answers = await Promise.all(friends.map((f, i) => holders[i % 2].post(`/api/passes/${pass.id}/transfer`, { email: f.email })));
    answers.forEach((a) => record('transfer', a));
    expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 400).map((a) => a.body.errors[0].message)).toEqual(Array(4).fill('Pass is not valid'));
    const winner = friends[answers.findIndex((a) => a.status === 200)];

    const received = (await Promise.all(friends.map(async (f) => (await f.get('/api/passes')).body as PassJson[]))).flat();
    expect(received).toHaveLength(1);
    const [theirs] = received;
    expect(theirs).toMatchObject({ holderId: winner.id, seat: pass.seat, status: 'valid' });
    const mine = (await buyer.get('/api/passes')).body as PassJson[];
    expect(mine.find((p) => p.id === pass.id)!.status).toBe('void');

    const old = record('scan old', await organizer.post('/api/passes/scan', { code: pass.code }));
    expect([old.status, old.body.errors?.[0]?.message]).toEqual([409, 'Pass is void']);
    const admitted = record('scan new', await viaReplica(organizer).post('/api/passes/scan', { code: theirs.code }));
    expect(admitted.status).toBe(200);
    expect(admitted.body).toMatchObject({ admitted: true, pass: { id: theirs.id, status: 'used' } });

    const forged = `${passes[2].id}.${'A'.repeat(22)}.${'B'.repeat(43)}`;
    const refused = await organizer.post('/api/passes/scan', { code: forged });
    expect([refused.status, refused.body.errors?.[0]?.message]).toEqual([400, 'Invalid pass']);
  });
});
