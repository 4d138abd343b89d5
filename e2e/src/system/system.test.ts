// The whole system, started as `npm start` starts it, driven only through the
// gateway over HTTP as a browser would: sign up, list, buy, the lock, pay,
// completion, and an expiring lock that frees the ticket for the next buyer.
// Once per transport (NATS Streaming, then JetStream).
import { startSystemUnderTest, STRIPE_MOCK_URL, TestSystem, TRANSPORTS } from './harness';
import { eventually, show, User } from './user';

// Short enough to watch an order expire, long enough to pay before it does.
const WINDOW_SECONDS = Number(process.env.E2E_EXPIRATION_WINDOW_SECONDS || 8);
const START_TIMEOUT_MS = 15 * 60 * 1000; // a first `next build` on a busy 2-core machine

describe.each(TRANSPORTS)('the whole system on %s', (eventBus) => {
  let sys: TestSystem;
  let origin: string;
  const stamp = `${eventBus}-${Date.now().toString(36)}`;
  let seller: User;
  let buyer: User;
  let rival: User;
  let failed = false;

  /** Runs a step; on failure shows what the services were saying. */
  const step = (fn: () => Promise<void>) => async () => {
    if (failed) throw new Error('an earlier step of this scenario failed');
    try {
      await fn();
    } catch (err) {
      failed = true;
      process.stdout.write(`\n[system ${eventBus}] last service log lines:\n${sys ? sys.recentLogs() : '(system not started)'}\n\n`);
      throw err;
    }
  };

  beforeAll(async () => {
    sys = await startSystemUnderTest(eventBus, WINDOW_SECONDS);
    origin = `http://localhost:${sys.system.url.split(':').pop()}`;
    seller = new User(origin, `seller-${stamp}@example.com`);
    buyer = new User(origin, `buyer-${stamp}@example.com`);
    rival = new User(origin, `rival-${stamp}@example.com`);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (sys) await sys.stop();
  }, 60000);

  // Shared by the steps below, in order.
  let ticket: { id: string; title: string; price: number; userId: string; version: number; orderId?: string };
  let order: { id: string; status: string; expiresAt: string; userId: string; ticket: { id: string; price: number } };

  /** The buyer reserves, retrying while the orders service has not heard of the ticket yet (404). */
  const reserve = async (who: User, ticketId: string) =>
    eventually(`orders to know ticket ${ticketId}`, async () => {
      const res = await who.post('/api/orders', { ticketId });
      if (res.status === 404) return undefined;
      return res;
    });

  it(
    'routes like the ingress: the API to the services, a signed-out visitor has no current user',
    step(async () => {
      const anonymous = new User(origin, 'nobody@example.com');
      const res = await anonymous.get('/api/users/currentuser');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ currentUser: null });
      // /api/users/?(.*) also matches the bare prefix; an unknown route is a 404 in the error shape.
      const unknown = await anonymous.get('/api/users/nowhere');
      expect(unknown.status).toBe(404);
      expect(unknown.body).toEqual({ errors: [{ message: 'Not Found' }] });
      const tickets = await anonymous.get('/api/tickets');
      expect(tickets.status).toBe(200);
      expect(Array.isArray(tickets.body)).toBe(true);
      // An /api path no service owns: the gateway answers as the API would (in Kubernetes the client does).
      const orphan = await anonymous.get('/api/nothing-here');
      expect(orphan.status).toBe(404);
      expect(orphan.body).toEqual({ errors: [{ message: 'Not Found' }] });
      if (sys.system.processes.some((p) => p.name === 'client')) {
        const page = await anonymous.get('/');
        expect(page.status).toBe(200);
        expect(page.headers.get('content-type')).toMatch(/text\/html/);
      }
    }),
  );

  it(
    'signs up a seller and two buyers; each session cookie identifies its user',
    step(async () => {
      for (const user of [seller, buyer, rival]) {
        const res = await user.signUp();
        expect({ status: res.status, email: res.body.email }).toEqual({ status: 201, email: user.email });
        const cookie = user.setCookies.find((c) => c.name === 'session');
        expect(cookie).toBeDefined();
        expect(cookie!.attributes.httponly).toBe(true);
        expect(String(cookie!.attributes.samesite).toLowerCase()).toBe('lax');
        expect(cookie!.attributes.secure).toBeUndefined(); // plain http on localhost
        const me = await user.get('/api/users/currentuser');
        expect(me.body.currentUser).toMatchObject({ id: user.id, email: user.email });
      }
      const again = await new User(origin, seller.email).signUp();
      expect(again.status).toBe(400);
      expect(again.body).toEqual({ errors: [{ message: 'Email in use' }] });
    }),
  );

  it(
    'an organizer schedules an event: found by search, shown, edited by the organizer only, cancelled once, then no longer listed',
    step(async () => {
      const startsAt = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString();
      const body = { name: `Tour ${stamp}`, performer: 'The Band', venue: 'Arena', city: 'Springfield', startsAt, category: 'concert' };
      const created = await seller.post('/api/events', body);
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.any(String), ...body, status: 'scheduled', organizerId: seller.id, version: 0 });
      const event = created.body as { id: string };

      const invalid = await seller.post('/api/events', { ...body, startsAt: '2001-01-01T00:00:00Z', category: 'opera' });
      expect(invalid.status).toBe(400);
      expect(invalid.body.errors).toEqual([
        { message: 'Start time must be in the future', field: 'startsAt' },
        { message: 'Category is not valid', field: 'category' },
      ]);

      const found = await buyer.get(`/api/events?q=${encodeURIComponent(stamp)}&category=concert&city=springfield`);
      expect(found.status).toBe(200);
      expect(found.body).toEqual([created.body]);
      const shown = await buyer.get(`/api/events/${event.id}`);
      expect(shown.body).toEqual(created.body);

      const stranger = await buyer.put(`/api/events/${event.id}`, { ...body, name: 'Mine now' });
      expect(stranger.status).toBe(401);
      const edited = await seller.put(`/api/events/${event.id}`, { ...body, venue: 'Stadium' });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ venue: 'Stadium', version: 1 });

      const [first, second] = await Promise.all([seller.post(`/api/events/${event.id}/cancel`), seller.post(`/api/events/${event.id}/cancel`)]);
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(first.body).toEqual({ ...edited.body, status: 'cancelled', version: 2 });
      expect(second.body).toEqual(first.body);
      const afterCancel = await seller.put(`/api/events/${event.id}`, body);
      expect(afterCancel.status).toBe(400);
      expect(afterCancel.body).toEqual({ errors: [{ message: 'Cannot edit a cancelled event' }] });
      expect((await buyer.get(`/api/events?q=${encodeURIComponent(stamp)}`)).body).toEqual([]);
      expect((await buyer.get(`/api/events/${event.id}`)).body).toMatchObject({ status: 'cancelled' });

      // Each change went out on the bus once: two cancels, one event:cancelled.
      const events = sys.system.processes.find((p) => p.name === 'events')!;
      const published = await eventually('the events service to publish its three messages', async () => {
        const text = await (await fetch(`http://127.0.0.1:${events.port}/metrics`)).text();
        return /^events_published_total\{subject="event:cancelled"\} /m.test(text) ? text : undefined;
      });
      for (const subject of ['event:created', 'event:updated', 'event:cancelled']) {
        expect(published).toMatch(new RegExp(`^events_published_total\\{subject="${subject}"\\} 1$`, 'm'));
      }
    }),
  );

  it(
    'lists a ticket: it is in the public listing and among the seller’s own',
    step(async () => {
      const title = `Concert ${stamp}`;
      const res = await seller.post('/api/tickets', { title, price: 20.5 });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ title, price: 20.5, userId: seller.id });
      ticket = res.body;

      const listing = await buyer.get(`/api/tickets?q=${encodeURIComponent(stamp)}`);
      expect(listing.status).toBe(200);
      expect(listing.body.map((t: { id: string }) => t.id)).toContain(ticket.id);

      const mine = await seller.get('/api/tickets/mine');
      expect(mine.body.find((t: { id: string }) => t.id === ticket.id)).toMatchObject({ status: 'available' });
    }),
  );

  it(
    'locks the ticket for the first buyer: the second buyer is refused and the seller cannot edit it',
    step(async () => {
      const res = await reserve(buyer, ticket.id);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ status: 'created', userId: buyer.id, ticket: { id: ticket.id, price: 20.5 } });
      order = res.body;
      const window = Date.parse(order.expiresAt) - Date.now();
      expect(window).toBeGreaterThan(0);
      expect(window).toBeLessThanOrEqual(WINDOW_SECONDS * 1000 + 1000);

      const second = await rival.post('/api/orders', { ticketId: ticket.id });
      expect(show(second)).toBe(show({ ...second, status: 400, body: { errors: [{ message: 'Ticket is already reserved' }] } }));

      const own = await seller.post('/api/orders', { ticketId: ticket.id });
      expect(own.status).toBe(400);

      // The tickets service learns of the order (order:created) and locks the ticket.
      await eventually('the ticket to carry the order id', async () => {
        const t = await seller.get(`/api/tickets/${ticket.id}`);
        return t.body.orderId === order.id ? t : undefined;
      });
      const edit = await seller.put(`/api/tickets/${ticket.id}`, { title: 'Changed', price: 99 });
      expect(show(edit)).toBe(show({ ...edit, status: 400, body: { errors: [{ message: 'Cannot edit a reserved ticket' }] } }));

      const listing = await rival.get(`/api/tickets?q=${encodeURIComponent(stamp)}`);
      expect(listing.body.map((t: { id: string }) => t.id)).not.toContain(ticket.id);
      const mine = await seller.get('/api/tickets/mine');
      expect(mine.body.find((t: { id: string }) => t.id === ticket.id)).toMatchObject({ status: 'reserved' });
    }),
  );

  it(
    'completes the order when the buyer pays with tok_visa; the seller sees the ticket sold',
    step(async () => {
      expect(Date.now()).toBeLessThan(Date.parse(order.expiresAt)); // still inside the lock

      const foreign = await rival.post('/api/payments', { token: 'tok_visa', orderId: order.id });
      expect([401, 404]).toContain(foreign.status); // 404 while payments has not heard of the order yet

      const paid = await eventually('payments to know the order', async () => {
        const res = await buyer.post('/api/payments', { token: 'tok_visa', orderId: order.id });
        return res.status === 404 ? undefined : res;
      });
      expect(paid.status).toBe(201);
      expect(paid.body.id).toEqual(expect.any(String));

      await eventually('the order to complete', async () => {
        const res = await buyer.get(`/api/orders/${order.id}`);
        return res.body.status === 'complete' ? res : undefined;
      });
      const orders = await buyer.get('/api/orders');
      expect(orders.body.find((o: { id: string }) => o.id === order.id)).toMatchObject({
        status: 'complete',
        ticket: { id: ticket.id, title: ticket.title, price: 20.5 },
      });

      await eventually('the seller to see the ticket sold', async () => {
        const mine = await seller.get('/api/tickets/mine');
        const t = mine.body.find((x: { id: string }) => x.id === ticket.id);
        return t && t.status === 'sold' ? t : undefined;
      });

      const twice = await buyer.post('/api/payments', { token: 'tok_visa', orderId: order.id });
      expect(show(twice)).toBe(show({ ...twice, status: 400, body: { errors: [{ message: 'Order has already been paid' }] } }));
      const cancel = await buyer.delete(`/api/orders/${order.id}`);
      expect(show(cancel)).toBe(show({ ...cancel, status: 400, body: { errors: [{ message: 'Cannot cancel a completed order' }] } }));
    }),
  );

  let paidOrderId: string;

  it(
    'expires an unpaid order after the window and releases the ticket for the next buyer',
    step(async () => {
      paidOrderId = order.id;
      const title = `Matinee ${stamp}`;
      const created = await seller.post('/api/tickets', { title, price: 12 });
      expect(created.status).toBe(201);
      const second = created.body;

      const res = await reserve(buyer, second.id);
      expect(res.status).toBe(201);
      const unpaid = res.body;
      const refused = await rival.post('/api/orders', { ticketId: second.id });
      expect(refused.status).toBe(400);

      // Nobody pays. The window passes: expiration → orders cancels → tickets releases.
      const cancelled = await eventually(
        'the unpaid order to be cancelled',
        async () => {
          const r = await buyer.get(`/api/orders/${unpaid.id}`);
          return r.body.status === 'cancelled' ? r : undefined;
        },
        { timeoutMs: (WINDOW_SECONDS + 30) * 1000, intervalMs: 250 },
      );
      expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(unpaid.expiresAt));
      expect(cancelled.body.status).toBe('cancelled');

      await eventually('the ticket to be listed again', async () => {
        const listing = await rival.get(`/api/tickets?q=${encodeURIComponent(title)}`);
        return listing.body.some((t: { id: string }) => t.id === second.id) ? listing : undefined;
      });
      const mine = await seller.get('/api/tickets/mine');
      expect(mine.body.find((t: { id: string }) => t.id === second.id)).toMatchObject({ status: 'available' });

      const late = await buyer.post('/api/payments', { token: 'tok_visa', orderId: unpaid.id });
      expect(late.status).toBe(400);
      expect(['Cannot pay for a cancelled order', 'Order has expired']).toContain(late.body.errors[0].message);

      const next = await rival.post('/api/orders', { ticketId: second.id });
      expect(next.status).toBe(201);
      expect(next.body).toMatchObject({ status: 'created', userId: rival.id, ticket: { id: second.id } });
    }),
  );

  it(
    'never cancels the paid order, though its window has passed',
    step(async () => {
      const res = await buyer.get(`/api/orders/${paidOrderId}`);
      expect(Date.now()).toBeGreaterThan(Date.parse(res.body.expiresAt));
      expect(res.body.status).toBe('complete');
      const mine = await seller.get('/api/tickets/mine');
      expect(mine.body.find((t: { id: string }) => t.id === ticket.id)).toMatchObject({ status: 'sold' });
    }),
  );

  it(
    'pays through the Payment Element flow: a PaymentIntent from /api/payments/intents, confirmed at Stripe, reported back',
    step(async () => {
      const created = await seller.post('/api/tickets', { title: `Encore ${stamp}`, price: 7.25 });
      expect(created.status).toBe(201);
      const encore = created.body;
      const reserved = await reserve(buyer, encore.id);
      expect(reserved.status).toBe(201);
      const encoreOrder = reserved.body;

      const intent = await eventually('payments to know the order', async () => {
        const res = await buyer.post('/api/payments/intents', { orderId: encoreOrder.id });
        return res.status === 404 ? undefined : res;
      });
      expect({ status: intent.status, body: intent.body }).toEqual({
        status: 201,
        body: { clientSecret: expect.stringMatching(/_secret_/), paymentIntentId: expect.stringMatching(/^pi_/) },
      });
      // What Stripe.js's confirmPayment does from the buyer's browser (it cannot be loaded
      // here): confirm the PaymentIntent at Stripe, here the system's stripe-mock.
      const confirmed = await fetch(`${STRIPE_MOCK_URL}/v1/payment_intents/${intent.body.paymentIntentId}/confirm`, {
        method: 'POST',
        headers: { authorization: 'Bearer sk_test_e2eBrowserConfirm', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'payment_method=pm_card_visa',
      });
      expect(confirmed.status).toBe(200);
      expect(((await confirmed.json()) as { status: string }).status).toBe('succeeded');

      const reported = await buyer.post('/api/payments/intents/confirmed', { orderId: encoreOrder.id, paymentIntentId: intent.body.paymentIntentId });
      expect({ status: reported.status, body: reported.body }).toEqual({ status: 201, body: { id: expect.any(String) } });
      await eventually('the order to complete', async () => {
        const res = await buyer.get(`/api/orders/${encoreOrder.id}`);
        return res.body.status === 'complete' ? res : undefined;
      });
      await eventually('the seller to see the ticket sold', async () => {
        const mine = await seller.get('/api/tickets/mine');
        const t = mine.body.find((x: { id: string }) => x.id === encore.id);
        return t && t.status === 'sold' ? t : undefined;
      });
      const twice = await buyer.post('/api/payments', { token: 'tok_visa', orderId: encoreOrder.id });
      expect(show(twice)).toBe(show({ ...twice, status: 400, body: { errors: [{ message: 'Order has already been paid' }] } }));
    }),
  );

  it(
    'starts a service again when it dies (SIGKILL), as a restart policy would, and it serves what it served',
    step(async () => {
      const before = sys.system.processes.find((p) => p.name === 'tickets')!;
      process.kill(before.pid, 'SIGKILL');
      const t0 = Date.now();
      // Down, then back: the same ticket through the gateway again.
      await eventually('tickets to serve again after SIGKILL', async () => {
        const now = sys.system.processes.find((p) => p.name === 'tickets')!;
        if (now.pid === before.pid) return undefined;
        const res = await seller.get(`/api/tickets/${ticket.id}`);
        return res.status === 200 ? res : undefined;
      });
      const after = sys.system.processes.find((p) => p.name === 'tickets')! as { pid: number; restarts?: number };
      expect(after.pid).not.toBe(before.pid);
      expect(after.restarts).toBe(1);
      process.stdout.write(`[system ${eventBus}] tickets killed with SIGKILL, serving again after ${((Date.now() - t0) / 1000).toFixed(1)}s\n`);
      // It still takes part in events: a new listing reaches orders, which accepts an order for it.
      const relisted = await seller.post('/api/tickets', { title: `After restart ${stamp}`, price: 7 });
      expect(relisted.status).toBe(201);
      const res = await reserve(buyer, relisted.body.id);
      expect(res.status).toBe(201);
      expect(sys.recentLogs(400)).toMatch(/tickets died \(killed by SIGKILL\)/);
    }),
  );
});
