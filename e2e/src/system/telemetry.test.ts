// Telemetry of the whole system, started as `npm start` starts it (with
// Zipkin): a signup's user:created leaves auth in the signup's trace; one
// order's trace crosses orders, tickets, payments and expiration through the
// event bus, and once paid (a request of its own, whose trace
// names the order's) it goes on through payment:created to orders and
// tickets; no
// session token or card token is in any span; every service answers
// GET /metrics with the series the dashboards need, and the public gateway
// does not expose them. One transport (the first of E2E_TRANSPORTS): the
// context crossing each transport is proven in common's tests.
import { randomBytes } from 'crypto';
import { fetchTrace, hasSpan, ORDER_CROSSINGS, PURCHASE_CROSSINGS, summarize, traceIdOf, waitForTrace, ZipkinSpan } from '../support/zipkin';
import { startSystemUnderTest, TestSystem, TRANSPORTS } from './harness';
import { eventually, User } from './user';

const START_TIMEOUT_MS = 15 * 60 * 1000;
const eventBus = TRANSPORTS[0];

describe(`telemetry of the whole system (${eventBus})`, () => {
  let sys: TestSystem;
  let origin: string;
  let zipkin: string;
  const stamp = `telemetry-${Date.now().toString(36)}`;
  const print = (line: string) => process.stdout.write(`${line}\n`);

  beforeAll(async () => {
    sys = await startSystemUnderTest(eventBus, 60, { tracing: true, client: false });
    origin = `http://localhost:${sys.system.url.split(':').pop()}`;
    if (!sys.system.zipkinUrl) throw new Error('the system started without Zipkin');
    zipkin = sys.system.zipkinUrl;
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (sys) await sys.stop();
  }, 60000);

  const seller = () => new User(origin, `seller-${stamp}@example.com`);
  let buyer: User;
  let orderId = '';
  let orderTrace: ZipkinSpan[] = [];

  const secretsOf = (user: User) => {
    const cookie = user.cookies.get('session')!;
    const jwt = JSON.parse(Buffer.from(cookie, 'base64').toString('utf8')).jwt as string;
    return [cookie, jwt, jwt.split('.')[1], user.password];
  };

  it('a signup publishes user:created: auth stages it with the user and the broker takes it, in the signup\'s trace', async () => {
    const fan = new User(origin, `fan-${stamp}@example.com`);
    const res = await fan.signUp();
    expect(res.status).toBe(201);
    const traceId = traceIdOf(res.headers);
    const spans = await waitForTrace(zipkin, traceId, (s) => hasSpan(s, 'auth', 'send user:created'));
    print(`[telemetry] signup trace ${traceId}: ${summarize(spans).lines.join(' · ')}`);
    const create = spans.find((s) => s.localEndpoint?.serviceName === 'auth' && s.name === 'create user:created')!;
    const sends = spans.filter((s) => s.localEndpoint?.serviceName === 'auth' && s.name === 'send user:created');
    expect(sends).toHaveLength(1);
    expect(sends[0].parentId).toBe(create.id);
    for (const secret of secretsOf(fan)) expect(JSON.stringify(spans)).not.toContain(secret);
  });

  it('one order reads as one trace: POST /api/orders → order:created → tickets, payments, expiration → ticket:updated → orders', async () => {
    const sellerUser = seller();
    expect((await sellerUser.signUp()).status).toBe(201);
    const ticket = await sellerUser.post('/api/tickets', { title: `Traced concert ${stamp}`, price: 42 });
    expect(ticket.status).toBe(201);
    buyer = new User(origin, `buyer-${stamp}@example.com`);
    expect((await buyer.signUp()).status).toBe(201);

    const order = await eventually('orders to know the ticket', async () => {
      const res = await buyer.post('/api/orders', { ticketId: ticket.body.id });
      return res.status === 404 ? undefined : res;
    });
    expect(order.status).toBe(201);
    orderId = order.body.id;
    const traceId = traceIdOf(order.headers);

    orderTrace = await waitForTrace(zipkin, traceId, (spans) => ORDER_CROSSINGS.every(([svc, name]) => hasSpan(spans, svc, name)));
    const summary = summarize(orderTrace);
    print(`[telemetry] order trace ${traceId}: ${summary.spans} spans, services ${summary.services.join(', ')}, ${summary.totalMs.toFixed(1)} ms\n  ${summary.lines.join('\n  ')}`);
    expect(summary.services).toEqual(expect.arrayContaining(['orders', 'tickets', 'payments', 'expiration']));
    // Every span is in this one trace, hanging from the request (one root).
    expect(orderTrace.every((s) => s.traceId === traceId)).toBe(true);
    expect(orderTrace.filter((s) => !s.parentId)).toHaveLength(1);
    // Each consumer's parent is the producer's send span.
    const byId = new Map(orderTrace.map((s) => [s.id, s]));
    for (const svc of ['tickets', 'payments', 'expiration']) {
      const consumer = orderTrace.find((s) => s.localEndpoint?.serviceName === svc && s.name === 'process order:created')!;
      expect(byId.get(consumer.parentId!)).toMatchObject({ name: 'send order:created', localEndpoint: { serviceName: 'orders' } });
      expect(consumer.tags).toMatchObject({ 'messaging.destination.name': 'order:created', 'ticketing.event.outcome': 'acked', 'messaging.message.delivery_count': '1' });
      expect(consumer.tags!['messaging.consumer.group.name']).toBe(`${svc}-service`);
    }
    // Database and Redis work is in it too.
    // (OpenTelemetry's database conventions: `db.system.name`, spans named
    // "<operation> <collection>" for MongoDB, the command for Redis.)
    const dbSpan = (svc: string, system: string) =>
      orderTrace.some((s) => s.localEndpoint?.serviceName === svc && s.tags?.['db.system.name'] === system);
    expect(dbSpan('expiration', 'redis')).toBe(true);
    for (const svc of ['orders', 'tickets', 'payments']) expect({ svc, mongodb: dbSpan(svc, 'mongodb') }).toEqual({ svc, mongodb: true });
    expect(hasSpan(orderTrace, 'orders', 'insert orders')).toBe(true);
    const text = JSON.stringify(orderTrace);
    for (const secret of secretsOf(buyer)) expect(text).not.toContain(secret);
  });

  it('the payment joins its order’s trace: payment:created and its handling in orders and tickets, linked to the payment request; no card token', async () => {
    expect(orderId).not.toBe('');
    const paid = await eventually('payments to know the order', async () => {
      const res = await buyer.post('/api/payments', { token: 'tok_visa', orderId });
      return res.status === 404 ? undefined : res;
    });
    expect(paid.status).toBe(201);
    const paymentTraceId = traceIdOf(paid.headers);
    const orderTraceId = orderTrace[0].traceId;
    expect(paymentTraceId).not.toBe(orderTraceId);

    // The payment request's own trace: its work in payments, the charge itself
    // (a client span to Stripe, stripe-mock here), and its SERVER span naming
    // the order's trace (Zipkin shows no links, so a tag says it).
    const chargeSpan = (s: ZipkinSpan) => s.localEndpoint?.serviceName === 'payments' && s.kind === 'CLIENT' && /POST/i.test(s.name ?? '');
    const paymentServer = (s: ZipkinSpan) => s.localEndpoint?.serviceName === 'payments' && s.kind === 'SERVER' && s.tags?.['http.route'] === '/api/payments';
    const paymentSpans = await waitForTrace(zipkin, paymentTraceId, (s) => s.some(chargeSpan) && s.some(paymentServer));
    const paymentSummary = summarize(paymentSpans);
    print(`[telemetry] payment trace ${paymentTraceId}: ${paymentSummary.spans} spans, services ${paymentSummary.services.join(', ')}, ${paymentSummary.totalMs.toFixed(1)} ms`);
    expect(paymentSpans.find(paymentServer)!.tags).toMatchObject({ 'ticketing.order.trace_id': orderTraceId, 'http.response.status_code': '201' });
    expect(paymentSummary.services).toEqual(['payments']);
    expect(paymentSpans.filter((s) => !s.parentId)).toHaveLength(1);

    // The order's trace now reads on: payments stages payment:created under its
    // order:created handling, and orders and tickets handle it there.
    // Each service exports its spans in its own batches: wait for all of them.
    const purchase = await waitForTrace(zipkin, orderTraceId, (s) => PURCHASE_CROSSINGS.every(([svc, name]) => hasSpan(s, svc, name)));
    const summary = summarize(purchase);
    print(`[telemetry] order trace ${orderTraceId} once paid: ${summary.spans} spans, services ${summary.services.join(', ')}, ${summary.totalMs.toFixed(1)} ms\n  ${summary.lines.join('\n  ')}`);
    expect(summary.services).toEqual(['expiration', 'notifications', 'orders', 'payments', 'tickets']);
    expect(purchase.every((s) => s.traceId === orderTraceId)).toBe(true);
    expect(purchase.filter((s) => !s.parentId)).toHaveLength(1);
    const byId = new Map(purchase.map((s) => [s.id, s]));
    const create = purchase.find((s) => s.localEndpoint?.serviceName === 'payments' && s.name === 'create payment:created')!;
    expect(create.tags?.['ticketing.staged_by.trace_id']).toBe(paymentTraceId);
    expect(byId.get(create.parentId!)).toMatchObject({ name: 'process order:created', localEndpoint: { serviceName: 'payments' } });
    const send = purchase.find((s) => s.localEndpoint?.serviceName === 'payments' && s.name === 'send payment:created')!;
    expect(send.parentId).toBe(create.id);
    for (const svc of ['orders', 'tickets']) {
      const consumer = purchase.find((s) => s.localEndpoint?.serviceName === svc && s.name === 'process payment:created')!;
      expect(consumer.parentId).toBe(send.id);
      expect(consumer.tags).toMatchObject({ 'messaging.destination.name': 'payment:created', 'ticketing.event.outcome': 'acked' });
      expect(consumer.tags!['messaging.consumer.group.name']).toBe(`${svc}-service`);
    }

    const text = JSON.stringify([paymentSpans, purchase]);
    expect(text).not.toContain('tok_visa');
    for (const secret of secretsOf(buyer)) expect(text).not.toContain(secret);
  });

  it('every service answers GET /metrics with its series; the gateway does not expose them', async () => {
    // The purchase above reached every API service but events and notifications: a search and an inbox without a session do.
    expect((await fetch(`${origin}/api/events`)).status).toBe(200);
    expect((await fetch(`${origin}/api/notifications`)).status).toBe(401);
    const metrics: Record<string, string> = {};
    for (const p of sys.system.processes) {
      const res = await fetch(`http://127.0.0.1:${p.port}/metrics`);
      expect({ service: p.name, status: res.status }).toEqual({ service: p.name, status: 200 });
      metrics[p.name] = await res.text();
      expect(metrics[p.name]).toContain('# TYPE http_request_duration_seconds histogram');
      // Expiration serves no API route (only probes, which are not measured).
      if (p.name !== 'expiration') expect(metrics[p.name]).toMatch(/^http_request_duration_seconds_bucket\{/m);
      expect(metrics[p.name]).toContain('process_resident_memory_bytes');
    }
    expect(metrics.orders).toMatch(/^http_request_duration_seconds_count\{method="POST",route="\/api\/orders",status_code="201"\} [1-9]/m);
    expect(metrics.orders).toMatch(/^events_published_total\{subject="order:created"\} [1-9]/m);
    expect(metrics.orders).toMatch(/^events_handled_total\{subject="payment:created",queue_group="orders-service",outcome="acked"\} 1/m);
    expect(metrics.orders).toMatch(/^outbox_backlog\{collection="orders"\} 0/m);
    expect(metrics.tickets).toMatch(/^outbox_oldest_entry_age_seconds\{collection="tickets"\} 0/m);
    expect(metrics.tickets).toMatch(/^event_apply_lag_seconds_count\{subject="order:created",queue_group="tickets-service"\} 1/m);
    expect(metrics.payments).toMatch(/^events_published_total\{subject="payment:created"\} 1/m);
    // The fan, the seller and the buyer signed up (this run's own databases: no earlier users).
    expect(metrics.auth).toMatch(/^events_published_total\{subject="user:created"\} 3$/m);
    expect(metrics.expiration).toMatch(/^job_queue_depth\{queue="order:expiration",state="delayed"\} 1/m);
    for (const name of ['events_redelivered_total', 'events_given_up_total', 'job_lateness_seconds']) expect(metrics.expiration).toContain(`# TYPE ${name} `);

    const viaGateway = await fetch(`${origin}/metrics`);
    expect(await viaGateway.text()).not.toContain('http_request_duration_seconds');
    // A trace Zipkin does not have reads as none (what waitForTrace polls on).
    expect(await fetchTrace(zipkin, randomBytes(16).toString('hex'))).toEqual([]);
  });
});
