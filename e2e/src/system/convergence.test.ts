// Convergence under concurrent load, through the gateway, once per transport:
// 1. the rush: 40 buyers each order a different ticket and cancel that order
//    at once; once quiet, every one of those tickets is free everywhere;
// 2. the mix: 30 users for 30 s list, sell, edit, order, cancel at once, pay,
//    pay twice, pay while cancelling, and let orders expire (a lock window of
//    a few seconds); once quiet and past the last expiry, tickets, orders and
//    payments agree on every ticket.
// "Agree" is checked within a bounded time (the services converge once their
// events arrive; they are not expected to agree mid-flight). Prints its counts.
import { MongoClient } from 'mongodb';
import path from 'path';
import { startTestSystem, TestSystem } from '../support/test-system';
import { LOCAL_DIR, TRANSPORTS } from './harness';
import { ApiResponse, User } from './user';

const USERS = Number(process.env.E2E_CONVERGENCE_USERS || 30);
const RUSH_BUYERS = Number(process.env.E2E_CONVERGENCE_RUSH_BUYERS || 40);
const LOAD_SECONDS = Number(process.env.E2E_CONVERGENCE_SECONDS || 30);
const WINDOW_SECONDS = Number(process.env.E2E_CONVERGENCE_WINDOW_SECONDS || 5);
/** How long the services get, once quiet and past the last expiry, to agree. */
const SETTLE_TIMEOUT_MS = 60000;
const START_TIMEOUT_MS = 10 * 60 * 1000;

interface TicketJson {
  id: string;
  title: string;
  price: number;
  userId: string;
  version: number;
  orderId?: string;
}
interface OrderJson {
  id: string;
  status: 'created' | 'cancelled' | 'complete';
  userId: string;
  expiresAt: string;
  ticket: { id: string; title: string; price: number };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(Math.random() * xs.length)] : undefined);

/** Every answer of the load, by request kind and status; 5xx answers kept for the report. */
class Tally {
  readonly byKind = new Map<string, number>();
  readonly byStatus = new Map<number, number>();
  readonly serverErrors: string[] = [];
  requests = 0;

  record(kind: string, res: ApiResponse) {
    this.requests += 1;
    const key = `${kind} ${res.status}`;
    this.byKind.set(key, (this.byKind.get(key) ?? 0) + 1);
    this.byStatus.set(res.status, (this.byStatus.get(res.status) ?? 0) + 1);
    if (res.status >= 500) this.serverErrors.push(`${kind} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  }
}

describe.each(TRANSPORTS)('convergence under concurrent load on %s', (eventBus) => {
  let sys: TestSystem;
  let origin: string;
  const stamp = `conv-${eventBus}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    sys = await startTestSystem({
      name: 'system',
      eventBus,
      expirationWindowSeconds: WINDOW_SECONDS,
      localDir: LOCAL_DIR,
      gatewayPort: Number(process.env.E2E_GATEWAY_PORT || 18080),
      portBase: Number(process.env.E2E_PORT_BASE || 13000),
      infraPortOffset: Number(process.env.E2E_INFRA_PORT_OFFSET || 10),
      client: false, // API only: the load goes through the gateway to the services
      // The abuse limits (their own tests cover them) would turn most of this
      // load away: users here let many holds lapse and order, on purpose,
      // faster than a person does. The hold limit (3 unpaid) stays as shipped.
      env: {
        LAPSED_HOLDS_BEFORE_WAIT: '100000',
        ORDERS_PER_USER_PER_MINUTE: '100000',
        PAYMENTS_PER_USER_PER_MINUTE: '100000',
        SIGNUP_PER_IP_PER_MINUTE: '100000',
      },
    });
    origin = `http://localhost:${sys.url.split(':').pop()}`;
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (sys) await sys.stop();
  }, 60000);

  it(`${RUSH_BUYERS} buyers order and cancel at once, then ${USERS} users for ${LOAD_SECONDS}s; once quiet, tickets, orders and payments agree on every ticket`, async () => {
    const tally = new Tally();
    const users = Array.from({ length: USERS }, (_, i) => new User(origin, `u${i}-${stamp}@example.com`));
    const buyers = Array.from({ length: RUSH_BUYERS }, (_, i) => new User(origin, `b${i}-${stamp}@example.com`));
    const everyone = [...users, ...buyers];
    const ticketsBySeller = new Map<User, string[]>(users.map((u) => [u, []]));
    const call = async (who: User, kind: string, method: 'get' | 'post' | 'put' | 'delete', url: string, body?: unknown) => {
      const res =
        method === 'get' ? await who.get(url) : method === 'delete' ? await who.delete(url) : await who[method](url, body);
      tally.record(kind, res);
      return res;
    };

    /** Pays, retrying while payments has not heard of the order yet (404). */
    const pay = async (who: User, orderId: string) => {
      for (let i = 0; i < 20; i += 1) {
        const res = await call(who, 'pay', 'post', '/api/payments', { token: 'tok_visa', orderId });
        if (res.status !== 404) return res;
        await sleep(100);
      }
      return undefined;
    };

    /** Orders, retrying while orders has not heard of the ticket yet (404). */
    const order = async (who: User, ticketId: string) => {
      for (let i = 0; ; i += 1) {
        const res = await call(who, 'order', 'post', '/api/orders', { ticketId });
        if (res.status !== 404 || i === 20) return res;
        await sleep(100);
      }
    };

    const listTickets = async (who: User) => {
      const res = await call(who, 'list', 'get', `/api/tickets?q=${encodeURIComponent(stamp)}&limit=100`);
      return res.status === 200 ? (res.body as TicketJson[]) : [];
    };

    const sell = async (who: User) => {
      const res = await call(who, 'create', 'post', '/api/tickets', {
        title: `Show ${stamp} ${Math.floor(Math.random() * 1e6)}`,
        price: 5 + Math.floor(Math.random() * 95),
      });
      if (res.status === 201) ticketsBySeller.get(who)!.push(res.body.id);
      return res.status === 201 ? (res.body.id as string) : undefined;
    };

    const buy = async (who: User) => {
      const candidates = (await listTickets(who)).filter((t) => t.userId !== who.id);
      const ticket = pick(candidates);
      if (!ticket) return;
      const placed = await call(who, 'order', 'post', '/api/orders', { ticketId: ticket.id });
      if (placed.status !== 201) return; // 400 reserved meanwhile or too many unpaid, 404 not replicated yet: all fine
      const orderId: string = placed.body.id;
      const fate = Math.random();
      if (fate < 0.25) {
        await call(who, 'cancel', 'delete', `/api/orders/${orderId}`);
      } else if (fate < 0.5) {
        await pay(who, orderId);
      } else if (fate < 0.65) {
        await Promise.all([pay(who, orderId), pay(who, orderId)]); // pays twice
      } else if (fate < 0.75) {
        await Promise.all([pay(who, orderId), call(who, 'cancel', 'delete', `/api/orders/${orderId}`)]); // pays while cancelling
      } else if (fate < 0.85) {
        await sleep(WINDOW_SECONDS * 1000 + 500); // lets it expire, then pays too late
        await pay(who, orderId);
      } // else: lets it expire
    };

    const edit = async (who: User) => {
      const id = pick(ticketsBySeller.get(who)!);
      if (!id) return;
      await call(who, 'edit', 'put', `/api/tickets/${id}`, { title: `Show ${stamp} edited`, price: 1 + Math.floor(Math.random() * 99) });
    };

    // --- the audit: what every service says, compared ticket by ticket.
    const allOrders = async () => {
      const lists = await Promise.all(everyone.filter((u) => u.id).map((u) => u.get<OrderJson[]>('/api/orders')));
      return lists.flatMap((l) => (l.status === 200 ? l.body : []));
    };
    const mongo = new MongoClient(sys.mongoUri('payments'));
    await mongo.connect();
    const anonymous = new User(origin, `anonymous-${stamp}@example.com`);
    /** Checks the tickets in `only` (default: every ticket sold in the test) and every order. */
    const audit = async (only?: Set<string>) => {
      const problems: string[] = [];
      const orders = await allOrders();
      const ordersByTicket = new Map<string, OrderJson[]>();
      for (const o of orders) ordersByTicket.set(o.ticket.id, [...(ordersByTicket.get(o.ticket.id) ?? []), o]);

      const listed = new Set<string>();
      for (let offset = 0; ; offset += 100) {
        const page = await anonymous.get<TicketJson[]>(`/api/tickets?q=${encodeURIComponent(stamp)}&limit=100&offset=${offset}`);
        for (const t of page.body) listed.add(t.id);
        if (page.body.length < 100) break;
      }
      const payments = await mongo.db().collection('payments').find({}).toArray();
      const paymentsByOrder = new Map<string, string[]>();
      for (const p of payments) paymentsByOrder.set(String(p.orderId), [...(paymentsByOrder.get(String(p.orderId)) ?? []), String(p.status)]);
      const replicaStatus = new Map<string, string>();
      for (const o of await mongo.db().collection('orders').find({}).toArray()) replicaStatus.set(String(o._id), String(o.status));

      const counts = { tickets: 0, sold: 0, reserved: 0, free: 0 };
      await Promise.all(
        [...ticketsBySeller].map(async ([seller, all]) => {
          const ids = all.filter((id) => !only || only.has(id));
          if (!ids.length) return;
          const mine = await seller.get<Array<TicketJson & { status: string }>>('/api/tickets/mine');
          const statusOf = new Map(mine.body.map((t) => [t.id, t.status]));
          for (const id of ids) {
            counts.tickets += 1;
            const ticket = (await anonymous.get<TicketJson>(`/api/tickets/${id}`)).body;
            const its = ordersByTicket.get(id) ?? [];
            const live = its.filter((o) => o.status === 'created' || o.status === 'complete');
            const complete = its.filter((o) => o.status === 'complete');
            if (live.length > 1) problems.push(`ticket ${id}: ${live.length} live orders ${live.map((o) => `${o.id}:${o.status}`)}`);
            if (complete.length > 1) problems.push(`ticket ${id}: sold twice`);
            const holder = live.length === 1 ? live[0] : undefined;
            if ((ticket.orderId ?? null) !== (holder?.id ?? null)) {
              problems.push(`ticket ${id}: tickets says held by ${ticket.orderId ?? 'nobody'}, orders says ${holder ? `${holder.id} (${holder.status})` : 'free'}`);
            }
            const expected = holder ? (holder.status === 'complete' ? 'sold' : 'reserved') : 'available';
            if (statusOf.get(id) !== expected) problems.push(`ticket ${id}: /mine says ${statusOf.get(id)}, orders say ${expected}`);
            if (expected === 'available' && !listed.has(id)) problems.push(`ticket ${id}: free but not listed`);
            if (expected !== 'available' && listed.has(id)) problems.push(`ticket ${id}: ${expected} but listed`);
            counts[expected === 'sold' ? 'sold' : expected === 'reserved' ? 'reserved' : 'free'] += 1;
          }
        }),
      );
      for (const o of orders) {
        if (only && !only.has(o.ticket.id)) continue;
        if (o.status === 'created' && Date.parse(o.expiresAt) < Date.now()) problems.push(`order ${o.id}: still created past its expiry`);
        const its = paymentsByOrder.get(o.id) ?? [];
        const succeeded = its.filter((s) => s === 'succeeded').length;
        const pending = its.filter((s) => s === 'pending').length;
        if (o.status === 'complete' && (succeeded !== 1 || pending)) problems.push(`order ${o.id}: complete with payments [${its}]`);
        if (o.status === 'cancelled' && (succeeded || pending)) problems.push(`order ${o.id}: cancelled with payments [${its}] not refunded`);
        const replica = replicaStatus.get(o.id);
        if (o.status === 'cancelled' && replica !== undefined && replica !== 'cancelled') problems.push(`order ${o.id}: cancelled, payments' replica says ${replica}`);
      }
      const orderCounts = { created: 0, cancelled: 0, complete: 0 };
      for (const o of orders) if (!only || only.has(o.ticket.id)) orderCounts[o.status] += 1;
      const paymentCounts: Record<string, number> = {};
      for (const p of payments) paymentCounts[String(p.status)] = (paymentCounts[String(p.status)] ?? 0) + 1;
      return { problems, counts, orderCounts, paymentCounts };
    };
    /** Audits until everything agrees or SETTLE_TIMEOUT_MS has passed. */
    const settle = async (only?: Set<string>) => {
      const quietAt = Date.now();
      // Inconsistencies seen by each audit, and when it started (s after quiet): how the services came together.
      const timeline: string[] = [];
      for (;;) {
        const auditAt = Date.now();
        const result = await audit(only);
        timeline.push(`${result.problems.length}@${((auditAt - quietAt) / 1000).toFixed(1)}s`);
        if (!result.problems.length || Date.now() - quietAt >= SETTLE_TIMEOUT_MS) {
          return { ...result, settledMs: auditAt - quietAt, timeline };
        }
        await sleep(250);
      }
    };
    const outcome = (r: { problems: string[]; settledMs: number; timeline: string[] }) =>
      `inconsistencies: ${r.problems.length} (${r.problems.length ? 'still, after' : 'agreed by the audit started'} ${(r.settledMs / 1000).toFixed(1)}s once quiet; audits: ${r.timeline.join(' ')})`;

    // --- everyone signs up; every seller lists one or two tickets.
    await Promise.all(
      everyone.map(async (u) => {
        tally.record('signup', await u.signUp());
      }),
    );
    const rushTickets: string[] = [];
    await Promise.all(
      users.map(async (u, i) => {
        for (let k = i; k < RUSH_BUYERS; k += USERS) {
          const id = await sell(u);
          if (id) rushTickets.push(id);
        }
      }),
    );

    // --- 1. the rush: each buyer orders a different ticket and cancels at once, all at the same time.
    const r0 = Date.now();
    const rushOutcomes = await Promise.all(
      buyers.map(async (b, i) => {
        const placed = await order(b, rushTickets[i]);
        if (placed.status !== 201) return `order ${placed.status}`;
        const cancelled = await call(b, 'cancel', 'delete', `/api/orders/${placed.body.id}`);
        return `cancel ${cancelled.status}`;
      }),
    );
    const rushMs = Date.now() - r0;
    const rush = await settle(new Set(rushTickets));
    // Edits by the owner, now that every rushed ticket is free: accepted.
    const rushEdits = await Promise.all(
      [...ticketsBySeller].flatMap(([seller, ids]) =>
        ids.map((id) => seller.put(`/api/tickets/${id}`, { title: `Show ${stamp} after the rush`, price: 10 }).then((r) => r.status)),
      ),
    );
    const rushReport = [
      `[convergence ${eventBus}] rush: ${RUSH_BUYERS} buyers ordered ${rushTickets.length} different tickets and cancelled at once in ${(rushMs / 1000).toFixed(1)}s`,
      `  answers: ${JSON.stringify(count(rushOutcomes))}; owners' edits afterwards: ${JSON.stringify(count(rushEdits.map(String)))}`,
      `  tickets ${rush.counts.tickets}: sold ${rush.counts.sold}, reserved ${rush.counts.reserved}, free ${rush.counts.free}; orders ${JSON.stringify(rush.orderCounts)}`,
      `  ${outcome(rush)}`,
      ...rush.problems.slice(0, 10).map((p) => `    ${p}`),
    ].join('\n');
    process.stdout.write(`${rushReport}\n`);

    // --- 2. the mix.
    const t0 = Date.now();
    const deadline = t0 + LOAD_SECONDS * 1000;
    await Promise.all(
      users.map(async (u) => {
        if (!u.id) return;
        while (Date.now() < deadline) {
          const r = Math.random();
          if (r < 0.15 && ticketsBySeller.get(u)!.length < 4) await sell(u);
          else if (r < 0.25) await edit(u);
          else if (r < 0.35) await listTickets(u);
          else await buy(u);
          await sleep(Math.random() * 100);
        }
      }),
    );
    const loadMs = Date.now() - t0;

    // Once quiet: wait out the last lock, then give the services a bounded time to agree.
    const lastExpiry = Math.max(0, ...(await allOrders()).map((o) => Date.parse(o.expiresAt)));
    await sleep(Math.max(0, lastExpiry - Date.now()) + 500);
    const result = await settle();
    await mongo.close();

    const report = [
      `[convergence ${eventBus}] mix: ${USERS} users, ${(loadMs / 1000).toFixed(1)}s of load, window ${WINDOW_SECONDS}s: ${tally.requests} requests in all`,
      `  by status: ${[...tally.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`,
      `  by kind:   ${[...tally.byKind].sort().map(([k, n]) => `${k}×${n}`).join(', ')}`,
      `  tickets ${result.counts.tickets}: sold ${result.counts.sold}, reserved ${result.counts.reserved}, free ${result.counts.free}`,
      `  orders: ${JSON.stringify(result.orderCounts)}; payments: ${JSON.stringify(result.paymentCounts)}`,
      `  5xx: ${tally.serverErrors.length}; ${outcome(result)}`,
      ...result.problems.slice(0, 20).map((p) => `    ${p}`),
      ...tally.serverErrors.slice(0, 10).map((e) => `    5xx: ${e}`),
    ].join('\n');
    process.stdout.write(`${report}\n`);
    if (rush.problems.length || result.problems.length || tally.serverErrors.length) {
      process.stdout.write(`[convergence ${eventBus}] logs in ${path.relative(process.cwd(), sys.system.logDir)}\n`);
    }

    // The load really exercised the races it is about.
    expect(rushTickets).toHaveLength(RUSH_BUYERS);
    expect(rushOutcomes).toEqual(buyers.map(() => 'cancel 204'));
    expect(tally.byKind.get('order 201') ?? 0).toBeGreaterThan(RUSH_BUYERS + USERS);
    expect(tally.byKind.get('pay 201') ?? 0).toBeGreaterThan(0);
    expect(result.orderCounts.cancelled).toBeGreaterThan(RUSH_BUYERS);
    expect(result.orderCounts.complete).toBeGreaterThan(0);
    // The invariants.
    expect(rush.problems).toEqual([]);
    expect(rushEdits.every((s) => s === 200)).toBe(true);
    expect(tally.serverErrors).toEqual([]);
    expect(result.problems).toEqual([]);
  }, (LOAD_SECONDS + WINDOW_SECONDS) * 1000 + 2 * SETTLE_TIMEOUT_MS + 180000);
});

function count(xs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
