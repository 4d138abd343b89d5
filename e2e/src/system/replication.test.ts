// Replication keeps up under sustained writes, through the gateway, once per
// transport: 20 sellers edit their own tickets in a loop for 20 s; then,
// while they still write, a newly listed ticket must be orderable within a
// few seconds, and once they stop, the tickets' outbox must drain to 0
// (`outbox_backlog` on tickets' /metrics, on its own port). A correctness
// check, not a timing goal: the bounds are loose.
import { startTestSystem, TestSystem } from '../support/test-system';
import { LOCAL_DIR, TRANSPORTS } from './harness';
import { eventually, show, User } from './user';

const WRITERS = Number(process.env.E2E_REPLICATION_WRITERS || 20);
const WRITE_SECONDS = Number(process.env.E2E_REPLICATION_SECONDS || 20);
/** How long the new ticket may take to be orderable while the writers go on. */
const ORDERABLE_WITHIN_MS = 5000;
const DRAINED_WITHIN_MS = 30000;
const START_TIMEOUT_MS = 10 * 60 * 1000;
const PORT_BASE = Number(process.env.E2E_PORT_BASE || 13000);
/** tickets listens on portBase + 2 (scripts/system.js). */
const TICKETS_METRICS = `http://127.0.0.1:${PORT_BASE + 2}/metrics`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The tickets' outbox backlog as tickets' /metrics shows it. */
async function ticketsBacklog(): Promise<number> {
  const text = await (await fetch(TICKETS_METRICS, { signal: AbortSignal.timeout(10000) })).text();
  const line = text.split('\n').find((l) => l.startsWith('outbox_backlog{collection="tickets"}'));
  if (!line) throw new Error(`no outbox_backlog for tickets in /metrics`);
  return Number(line.split(' ').pop());
}

describe.each(TRANSPORTS)('replication under sustained writes on %s', (eventBus) => {
  let sys: TestSystem;
  let origin: string;
  const stamp = `repl-${eventBus}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    sys = await startTestSystem({
      name: 'system',
      eventBus,
      expirationWindowSeconds: 60,
      localDir: LOCAL_DIR,
      gatewayPort: Number(process.env.E2E_GATEWAY_PORT || 18080),
      portBase: PORT_BASE,
      infraPortOffset: Number(process.env.E2E_INFRA_PORT_OFFSET || 10),
      client: false,
      // Many sign-ups from one address, and edits as fast as the service answers.
      env: { SIGNUP_PER_IP_PER_MINUTE: '100000', ORDERS_PER_USER_PER_MINUTE: '100000' },
    });
    origin = `http://localhost:${sys.url.split(':').pop()}`;
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (sys) await sys.stop();
  }, 60000);

  it(`${WRITERS} sellers edit their tickets for ${WRITE_SECONDS}s; a new ticket is orderable within seconds and the backlog drains to 0`, async () => {
    const sellers = Array.from({ length: WRITERS }, (_, i) => new User(origin, `w${i}-${stamp}@example.com`));
    const ticketOf = new Map<User, string>();
    await Promise.all(
      sellers.map(async (seller) => {
        expect((await seller.signUp()).status).toBe(201);
        const listed = await seller.post('/api/tickets', { title: `Seat ${stamp}`, price: 10 });
        expect(listed.status).toBe(201);
        ticketOf.set(seller, listed.body.id);
      }),
    );

    const answers = new Map<number, number>();
    const unexpected: string[] = [];
    let writing = true;
    const writers = sellers.map(async (seller) => {
      for (let n = 0; writing; n++) {
        const res = await seller.put(`/api/tickets/${ticketOf.get(seller)}`, { title: `Seat ${stamp} ${n}`, price: 10 + (n % 50) });
        answers.set(res.status, (answers.get(res.status) ?? 0) + 1);
        // 503 is the back-pressure's answer (Service busy, with Retry-After): allowed, never a 500.
        if (res.status === 503) await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
        else if (res.status !== 200) unexpected.push(show(res));
      }
    });

    try {
      await sleep(WRITE_SECONDS * 1000);
      // While they still write: a new ticket, and a buyer who tries to order it every 100 ms.
      const seller = new User(origin, `new-${stamp}@example.com`);
      const buyer = new User(origin, `buyer-${stamp}@example.com`);
      expect((await seller.signUp()).status).toBe(201);
      expect((await buyer.signUp()).status).toBe(201);
      const sentAt = Date.now();
      const listed = await seller.post('/api/tickets', { title: `New ${stamp}`, price: 25 });
      expect(listed.status).toBe(201);
      const listedAt = Date.now();
      const ordered = await eventually(
        'the new ticket to be orderable',
        async () => {
          const res = await buyer.post('/api/orders', { ticketId: listed.body.id });
          if (res.status === 201) return res;
          if (res.status !== 404) throw new Error(show(res));
          return undefined;
        },
        { timeoutMs: ORDERABLE_WITHIN_MS, intervalMs: 100 },
      );
      const orderableAt = Date.now();
      process.stdout.write(
        `[replication ${eventBus}] listed in ${listedAt - sentAt} ms, orderable ${orderableAt - listedAt} ms after; backlog then ${await ticketsBacklog()}\n`,
      );
      expect(ordered.body.ticket.id).toBe(listed.body.id);
    } finally {
      writing = false;
      await Promise.all(writers);
    }
    process.stdout.write(`[replication ${eventBus}] edits by status: ${JSON.stringify(Object.fromEntries(answers))}\n`);
    expect(unexpected).toEqual([]);
    expect(answers.get(200) ?? 0).toBeGreaterThan(WRITERS);

    await eventually('the tickets outbox to drain', async () => ((await ticketsBacklog()) === 0 ? true : undefined), {
      timeoutMs: DRAINED_WITHIN_MS,
      intervalMs: 250,
    });
  }, 180000);
});
