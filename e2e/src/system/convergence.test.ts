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
import { gatewayOrigin, RATE_LIMITS_LIFTED, startSystemUnderTest, TestSystem, TRANSPORTS } from './harness';
import { ApiResponse, sleep, User } from './user';

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

const pick = <T>(xs: T[]): T | undefined => (xs.length ? xs[Math.floor(Math.random() * xs.length)] : undefined);

/** Every answer of the load, by request kind and status; 5xx answers kept for the report. */
class Tally {
  readonly byKind = new Map<string, number>();
  readonly byStatus = new Map<number, number>();
  /** 4xx answers by kind, status and message: which refusals the load met. */
  readonly refusals = new Map<string, number>();
  readonly serverErrors: string[] = [];
  requests = 0;

  record(kind: string, res: ApiResponse) {
    this.requests += 1;
    const key = `${kind} ${res.status}`;
    this.byKind.set(key, (this.byKind.get(key) ?? 0) + 1);
    this.byStatus.set(res.status, (this.byStatus.get(res.status) ?? 0) + 1);
    if (res.status >= 400 && res.status < 500) {
      const refusal = `${key} ${res.body?.errors?.[0]?.message ?? ''}`.trim();
      this.refusals.set(refusal, (this.refusals.get(refusal) ?? 0) + 1);
    }
    if (res.status >= 500) this.serverErrors.push(`${kind} → ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  }
}

describe.each(TRANSPORTS)('convergence under concurrent load on %s', (eventBus) => {
  let sys: TestSystem;
  let origin: string;
  const stamp = `conv-${eventBus}-${Date.now().toString(36)}`;

  beforeAll(async () => {
    sys = await startSystemUnderTest(eventBus, WINDOW_SECONDS, {
      client: false, // API only: the load goes through the gateway to the services
      // The abuse limits (their own tests cover them) would turn most of this
      // load away: users here let many holds lapse and order, on purpose,
      // faster than a person does. The hold limit (3 unpaid) stays as shipped.
      env: { ...RATE_LIMITS_LIFTED, LAPSED_HOLDS_BEFORE_WAIT: '100000' },
    });
    origin = gatewayOrigin(sys);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (sys) await sys.stop();
  }, 60000);

  it(`${RUSH_BUYERS} buyers order and cancel at once, then ${USERS} users for ${LOAD_SECONDS}s; once quiet, tickets, orders and payments agree on every ticket`, async () => {
    const tally = new Tally();
    const users = Array.from({ length: USERS }, (_, i) => new User(origin, `u${i}-${stamp}@example.com`));
    // The rush's buyers: the users themselves, and as many more as it needs.
    const extra = Array.from({ length: Math.max(0, RUSH_BUYERS - USERS) }, (_, i) => new User(origin, `b${i}-${stamp}@example.com`));
    const everyone = [...users, ...extra];
    const buyers = everyone.slice(0, RUSH_BUYERS);
    const ticketsBySeller = new Map<User, string[]>(users.map((u) => [u, []]));
    /** When the mix stops starting new actions (set when it starts). */
    let deadline = Infinity;
    const call = async (who: User, kind: string, method: 'get' | 'post' | 'put' | 'delete', url: string, body?: unknown) => {
      const res =
        method === 'get' ? await who.get(url) : method === 'delete' ? await who.delete(url) : await who[method](url, body);
      tally.record(kind, res);
      return res;
    };

    /** Pays, retrying for a few seconds while payments has not heard of the order yet (404). */
    const pay = async (who: User, orderId: string) => {
      const giveUpAt = Date.now() + 5000;
      for (;;) {
        const res = await call(who, 'pay', 'post', '/api/payments', { token: 'tok_visa', orderId });
        if (res.status !== 404 || Date.now() > giveUpAt) return res;
        await sleep(100);
      }
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
      } else if (fate < 0.85 && Date.now() + WINDOW_SECONDS * 1000 < deadline) {
        await sleep(WINDOW_SECONDS * 1000 + 500); // lets it expire, then pays too late
        await pay(who, orderId);
      } // else: lets it expire
    };

    const edit = async (who: User) => {
      const id = pick(ticketsBySeller.get(who)!);
      if (!id) return;
      await call(who, 'edit', 'put', `/api/tickets/${id}`, { title: `Show ${stamp} edited`, price: 1 + Math.floor(Math.random() * 99) });
    };

    // --- the audit: what every service says, compared ticket by ticket. The
    // polled part reads each service's database (a handful of queries, so the
    // audit itself barely loads the system it waits for); once that agrees, the
    // same is checked from outside, through the gateway.
    const mongo = new MongoClient(sys.mongoUri('payments'));
    await mongo.connect();
    const db = (service: string) => mongo.db(new URL(sys.mongoUri(service)).pathname.slice(1));
    const anonymous = new User(origin, `anonymous-${stamp}@example.com`);
    const allTickets = () => [...ticketsBySeller.values()].flat();
    const listed = async () => {
      const ids = new Set<string>();
      for (let offset = 0; ; offset += 100) {
        const page = await anonymous.get<TicketJson[]>(`/api/tickets?q=${encodeURIComponent(stamp)}&limit=100&offset=${offset}`);
        for (const t of page.body) ids.add(t.id);
        if (page.body.length < 100) return ids;
      }
    };
    type Expected = 'available' | 'reserved' | 'sold';
    /** What orders says of every ticket: its one live order (or none), and problems with that. */
    const ordersView = (orders: Array<{ id: string; status: string; ticketId: string; expiresAt: Date }>, problems: string[]) => {
      const byTicket = new Map<string, typeof orders>();
      for (const o of orders) byTicket.set(o.ticketId, [...(byTicket.get(o.ticketId) ?? []), o]);
      const holderOf = (ticketId: string) => {
        const its = byTicket.get(ticketId) ?? [];
        const live = its.filter((o) => o.status === 'created' || o.status === 'complete');
        if (live.length > 1) problems.push(`ticket ${ticketId}: ${live.length} live orders ${live.map((o) => `${o.id}:${o.status}`)}`);
        if (its.filter((o) => o.status === 'complete').length > 1) problems.push(`ticket ${ticketId}: sold twice`);
        const holder = live.length === 1 ? live[0] : undefined;
        const expected: Expected = holder ? (holder.status === 'complete' ? 'sold' : 'reserved') : 'available';
        return { holder, expected };
      };
      return holderOf;
    };
    /** Checks the tickets in `only` (default: every ticket of the test) and their orders, from the databases. */
    const auditStores = async (only?: Set<string>) => {
      const problems: string[] = [];
      const mine = (ticketId: string) => !only || only.has(ticketId);
      const orders = (await db('orders').collection('orders').find({}).toArray())
        .map((o) => ({ id: String(o._id), status: String(o.status), ticketId: String(o.ticket), expiresAt: new Date(o.expiresAt) }))
        .filter((o) => mine(o.ticketId));
      const holderOf = ordersView(orders, problems);
      const tickets = new Map((await db('tickets').collection('tickets').find({}).toArray()).map((t) => [String(t._id), t]));
      const replicas = new Map((await db('orders').collection('tickets').find({}).toArray()).map((t) => [String(t._id), t]));
      const payments = await db('payments').collection('payments').find({}).toArray();
      const paymentsByOrder = new Map<string, string[]>();
      for (const p of payments) paymentsByOrder.set(String(p.orderId), [...(paymentsByOrder.get(String(p.orderId)) ?? []), String(p.status)]);
      const paymentReplica = new Map((await db('payments').collection('orders').find({}).toArray()).map((o) => [String(o._id), String(o.status)]));
      const listing = await listed();

      const counts = { tickets: 0, sold: 0, reserved: 0, free: 0 };
      for (const id of allTickets().filter(mine)) {
        counts.tickets += 1;
        const { holder, expected } = holderOf(id);
        const ticket = tickets.get(id);
        const replica = replicas.get(id);
        const held = ticket?.orderId ? String(ticket.orderId) : null;
        if (held !== (holder?.id ?? null)) problems.push(`ticket ${id}: tickets says held by ${held ?? 'nobody'}, orders says ${holder ? `${holder.id} (${holder.status})` : 'free'}`);
        if (Boolean(ticket?.soldAt) !== (expected === 'sold')) problems.push(`ticket ${id}: tickets says ${ticket?.soldAt ? '' : 'not '}sold, orders says ${expected}`);
        // Orders' seat counter: the orders holding (holds) or having bought (sales) seats, and what is left.
        type Seats = Array<{ orderId: unknown; quantity: number }>;
        const [replicaHolds, replicaSales] = [(replica?.holds ?? []) as Seats, (replica?.sales ?? []) as Seats];
        const holders = [...replicaHolds, ...replicaSales].map((h) => String(h.orderId));
        const reservedBy = holders.length ? holders.join('+') : null;
        if (reservedBy !== (holder?.id ?? null)) problems.push(`ticket ${id}: orders' replica held by ${reservedBy ?? 'nobody'}, its orders say ${holder?.id ?? 'free'}`);
        if ((replicaSales.length > 0) !== (expected === 'sold')) problems.push(`ticket ${id}: orders' replica sold=${replicaSales.length > 0}, its orders say ${expected}`);
        const seatsCounted = [...replicaHolds, ...replicaSales].reduce((n, h) => n + h.quantity, Number(replica?.available ?? 0));
        if (replica && seatsCounted !== Number(replica.quantity ?? 1)) problems.push(`ticket ${id}: orders' replica counts ${seatsCounted} seats of ${replica.quantity}`);
        if (expected === 'available' && !listing.has(id)) problems.push(`ticket ${id}: free but not listed`);
        if (expected !== 'available' && listing.has(id)) problems.push(`ticket ${id}: ${expected} but listed`);
        counts[expected === 'sold' ? 'sold' : expected === 'reserved' ? 'reserved' : 'free'] += 1;
      }
      for (const o of orders) {
        if (o.status === 'created' && o.expiresAt.getTime() < Date.now()) problems.push(`order ${o.id}: still created past its expiry`);
        const its = paymentsByOrder.get(o.id) ?? [];
        const succeeded = its.filter((s) => s === 'succeeded').length;
        const pending = its.filter((s) => s === 'pending').length;
        if (o.status === 'complete' && (succeeded !== 1 || pending)) problems.push(`order ${o.id}: complete with payments [${its}]`);
        if (o.status === 'cancelled' && (succeeded || pending)) problems.push(`order ${o.id}: cancelled with payments [${its}] not refunded`);
        const replica = paymentReplica.get(o.id);
        if (o.status === 'cancelled' && replica !== undefined && replica !== 'cancelled') problems.push(`order ${o.id}: cancelled, payments' replica says ${replica}`);
      }
      const orderCounts = { created: 0, cancelled: 0, complete: 0 } as Record<string, number>;
      for (const o of orders) orderCounts[o.status] = (orderCounts[o.status] ?? 0) + 1;
      const paymentCounts: Record<string, number> = {};
      for (const p of payments) paymentCounts[String(p.status)] = (paymentCounts[String(p.status)] ?? 0) + 1;
      return { problems, counts, orderCounts, paymentCounts };
    };
    /** The same, as users see it through the gateway: a ticket's holder, the seller's /mine, each buyer's orders. */
    const auditApi = async (only?: Set<string>) => {
      const problems: string[] = [];
      const mine = (ticketId: string) => !only || only.has(ticketId);
      const lists = await Promise.all(everyone.filter((u) => u.id).map((u) => u.get<OrderJson[]>('/api/orders')));
      const orders = lists
        .flatMap((l) => (l.status === 200 ? l.body : []))
        .map((o) => ({ id: o.id, status: o.status, ticketId: o.ticket.id, expiresAt: new Date(o.expiresAt) }))
        .filter((o) => mine(o.ticketId));
      const holderOf = ordersView(orders, problems);
      const listing = await listed();
      await Promise.all(
        [...ticketsBySeller].map(async ([seller, all]) => {
          const ids = all.filter(mine);
          if (!ids.length) return;
          const statusOf = new Map((await seller.get<Array<TicketJson & { status: string }>>('/api/tickets/mine')).body.map((t) => [t.id, t.status]));
          for (const id of ids) {
            const ticket = (await anonymous.get<TicketJson>(`/api/tickets/${id}`)).body;
            const { holder, expected } = holderOf(id);
            if ((ticket.orderId ?? null) !== (holder?.id ?? null)) problems.push(`ticket ${id}: GET says held by ${ticket.orderId ?? 'nobody'}, the buyers' orders say ${holder?.id ?? 'free'}`);
            if (statusOf.get(id) !== expected) problems.push(`ticket ${id}: /mine says ${statusOf.get(id)}, the buyers' orders say ${expected}`);
            if ((expected === 'available') !== listing.has(id)) problems.push(`ticket ${id}: ${expected} but ${listing.has(id) ? '' : 'not '}listed`);
          }
        }),
      );
      for (const o of orders) if (o.status === 'created' && o.expiresAt.getTime() < Date.now()) problems.push(`order ${o.id}: still created past its expiry`);
      return problems;
    };
    /** Audits until everything agrees or SETTLE_TIMEOUT_MS has passed. */
    const settle = async (only?: Set<string>) => {
      const quietAt = Date.now();
      // Inconsistencies seen by each audit, and when it started (s after quiet): how the services came together.
      const timeline: string[] = [];
      // The last disagreements seen before they all went away (what took longest).
      let lastSeen: string[] = [];
      for (;;) {
        const auditAt = Date.now();
        const result = await auditStores(only);
        if (!result.problems.length) result.problems.push(...(await auditApi(only)).map((p) => `(through the gateway) ${p}`));
        timeline.push(`${result.problems.length}@${((auditAt - quietAt) / 1000).toFixed(1)}s`);
        if (result.problems.length) lastSeen = result.problems;
        if (!result.problems.length || Date.now() - quietAt >= SETTLE_TIMEOUT_MS) {
          return { ...result, settledMs: auditAt - quietAt, timeline, lastSeen };
        }
        await sleep(250);
      }
    };
    const outcome = (r: { problems: string[]; settledMs: number; timeline: string[]; lastSeen: string[] }) =>
      [
        `inconsistencies: ${r.problems.length} (${r.problems.length ? 'still, after' : 'agreed by the audit started'} ${(r.settledMs / 1000).toFixed(1)}s once quiet; audits: ${r.timeline.length > 16 ? [...r.timeline.slice(0, 12), '…', ...r.timeline.slice(-3)].join(' ') : r.timeline.join(' ')})`,
        ...(r.problems.length ? [] : r.lastSeen.slice(0, 3).map((p) => `    the last to agree: ${p}`)),
      ].join('\n');

    // --- everyone signs up; the users list the rush's tickets, ticket i by the user after buyer i.
    const s0 = Date.now();
    await Promise.all(
      everyone.map(async (u) => {
        tally.record('signup', await u.signUp());
      }),
    );
    const rushTickets: Array<string | undefined> = [];
    await Promise.all(
      Array.from({ length: RUSH_BUYERS }, async (_, i) => {
        rushTickets[i] = await sell(users[(i + 1) % USERS]);
      }),
    );
    const setupMs = Date.now() - s0;

    // --- 1. the rush: each buyer orders a different ticket and cancels at once, all at the same time.
    const r0 = Date.now();
    const rushOutcomes = await Promise.all(
      buyers.map(async (b, i) => {
        const placed = await order(b, rushTickets[i]!);
        if (placed.status !== 201) return `order ${placed.status}`;
        const cancelled = await call(b, 'cancel', 'delete', `/api/orders/${placed.body.id}`);
        return `cancel ${cancelled.status}`;
      }),
    );
    const rushMs = Date.now() - r0;
    const rush = await settle(new Set(rushTickets.filter((id): id is string => !!id)));
    // Edits by the owner, now that every rushed ticket is free: accepted.
    const rushEdits = await Promise.all(
      [...ticketsBySeller].flatMap(([seller, ids]) =>
        ids.map((id) => seller.put(`/api/tickets/${id}`, { title: `Show ${stamp} after the rush`, price: 10 }).then((r) => r.status)),
      ),
    );
    const rushReport = [
      `[convergence ${eventBus}] ${everyone.length} users signed up, ${rushTickets.length} tickets listed in ${(setupMs / 1000).toFixed(1)}s`,
      `[convergence ${eventBus}] rush: ${RUSH_BUYERS} buyers ordered ${rushTickets.length} different tickets and cancelled at once in ${(rushMs / 1000).toFixed(1)}s`,
      `  answers: ${JSON.stringify(count(rushOutcomes))}; owners' edits afterwards: ${JSON.stringify(count(rushEdits.map(String)))}`,
      `  tickets ${rush.counts.tickets}: sold ${rush.counts.sold}, reserved ${rush.counts.reserved}, free ${rush.counts.free}; orders ${JSON.stringify(rush.orderCounts)}`,
      `  ${outcome(rush)}`,
      ...rush.problems.slice(0, 10).map((p) => `    ${p}`),
    ].join('\n');
    process.stdout.write(`${rushReport}\n`);

    // --- 2. the mix.
    const t0 = Date.now();
    deadline = t0 + LOAD_SECONDS * 1000;
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
    const lastExpiry = Math.max(0, ...(await db('orders').collection('orders').find({}).toArray()).map((o) => new Date(o.expiresAt).getTime()));
    const expiryWaitMs = Math.max(0, lastExpiry - Date.now()) + 500;
    await sleep(expiryWaitMs);
    const result = await settle();
    await mongo.close();

    const report = [
      `[convergence ${eventBus}] mix: ${USERS} users, ${(loadMs / 1000).toFixed(1)}s of load, window ${WINDOW_SECONDS}s, then ${(expiryWaitMs / 1000).toFixed(1)}s to the last expiry: ${tally.requests} requests in all (rush included)`,
      `  by status: ${[...tally.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`).join(' ')}`,
      `  by kind:   ${[...tally.byKind].sort().map(([k, n]) => `${k}×${n}`).join(', ')}`,
      `  refusals:  ${[...tally.refusals].sort().map(([k, n]) => `${k} ×${n}`).join(', ')}`,
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
    expect(rushTickets.filter(Boolean)).toHaveLength(RUSH_BUYERS);
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
