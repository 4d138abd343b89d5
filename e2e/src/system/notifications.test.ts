// Notifications through the gateway and a real SMTP server (the Mailpit the
// system starts, read through its API /api/v1/messages), once per transport:
// - a purchase tells the buyer `order-paid` and the seller `ticket-sold`,
//   each once, and both emails arrive in Mailpit, once each;
// - a watch on the event alerts its watcher once (`price-alert`), however
//   the listing changes afterwards (its seats held and sold), by email too;
// - Mailpit down for 10 s: the emails of a purchase made meanwhile arrive
//   after it returns, once each.
// Prints the time from a payment's 201 to its email in Mailpit, and saves a
// screenshot of Mailpit's page (160-… on stan, 161-… on jetstream) when
// chromium is there.
import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { CHROMIUM, Camera, launchBrowser } from '../browser/browser';
import { REPO, startTestSystem, TestSystem } from '../support/test-system';
import { LOCAL_DIR, TRANSPORTS } from './harness';
import { ApiResponse, eventually, show, User } from './user';

const START_TIMEOUT_MS = 10 * 60 * 1000;
const INFRA_PORT_OFFSET = Number(process.env.E2E_INFRA_PORT_OFFSET || 10);
const MAILPIT_UI_PORT = 8025 + INFRA_PORT_OFFSET;
const MAILPIT = `http://127.0.0.1:${MAILPIT_UI_PORT}`;
const DOWN_MS = 10000;

interface MailpitMessage {
  ID: string;
  MessageID: string;
  To: Array<{ Address: string }>;
  Subject: string;
  Created: string;
}
interface NotificationJson {
  id: string;
  kind: string;
  message: string;
  link?: string;
  read: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every message Mailpit holds for one address. */
async function mailTo(address: string): Promise<MailpitMessage[]> {
  const res = await fetch(`${MAILPIT}/api/v1/search?query=${encodeURIComponent(`to:"${address}"`)}&limit=200`, { signal: AbortSignal.timeout(5000) });
  if (!res.ok) throw new Error(`Mailpit search: ${res.status}`);
  return ((await res.json()) as { messages: MailpitMessage[] }).messages;
}

/** scripts/infra.sh on the system's own Mailpit (its lease: this process, which started the system). */
function mailpit(action: 'stop' | 'start') {
  execFileSync('bash', [path.join(REPO, 'scripts', 'infra.sh'), action, 'mailpit'], {
    env: {
      ...process.env,
      TICKETING_LOCAL_DIR: LOCAL_DIR,
      MAILPIT_UI_PORT: String(MAILPIT_UI_PORT),
      MAILPIT_SMTP_PORT: String(1025 + INFRA_PORT_OFFSET),
      TICKETING_INFRA_LEASE: String(process.pid),
    },
    stdio: 'pipe',
  });
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];

describe.each(TRANSPORTS)('notifications on %s', (eventBus) => {
  let sys: TestSystem;
  let origin: string;
  const stamp = `notify-${eventBus}-${Date.now().toString(36)}`;
  const serverErrors: string[] = [];
  const paymentToEmailMs: number[] = [];

  beforeAll(async () => {
    sys = await startTestSystem({
      name: 'system',
      eventBus,
      expirationWindowSeconds: 600,
      localDir: LOCAL_DIR,
      gatewayPort: Number(process.env.E2E_GATEWAY_PORT || 18080),
      portBase: Number(process.env.E2E_PORT_BASE || 13000),
      infraPortOffset: INFRA_PORT_OFFSET,
      client: false,
      // A short back-off ceiling: the emails follow soon after Mailpit returns.
      env: { SIGNUP_PER_IP_PER_MINUTE: '100000', MAIL_RETRY_MAX_MS: '4000', MAIL_POLL_INTERVAL_MS: '250' },
    });
    origin = `http://localhost:${sys.url.split(':').pop()}`;
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    if (paymentToEmailMs.length) {
      process.stdout.write(
        `[notifications ${eventBus}] payment's 201 → its email in Mailpit: n=${paymentToEmailMs.length} p50 ${percentile(paymentToEmailMs, 50)} ms, max ${Math.max(...paymentToEmailMs)} ms\n`,
      );
    }
    if (sys) await sys.stop();
  }, 60000);

  const record = (what: string, res: ApiResponse) => {
    if (res.status >= 500) serverErrors.push(`${what} → ${show(res)}`);
    return res;
  };
  const inbox = async (user: User): Promise<{ unread: number; items: NotificationJson[] }> => {
    const res = record('inbox', await user.get<{ unread: number; items: NotificationJson[] }>('/api/notifications'));
    expect(res.status).toBe(200);
    return res.body;
  };
  const kinds = async (user: User) => (await inbox(user)).items.map((n) => n.kind).sort();
  const person = async (who: string) => {
    const user = new User(origin, `${who}-${stamp}@example.com`);
    expect((await user.signUp()).status).toBe(201);
    return user;
  };

  /** An event scheduled by the seller. */
  async function eventOf(seller: User) {
    const event = record(
      'event',
      await seller.post('/api/events', {
        name: `Tour ${stamp}`,
        venue: 'Arena',
        city: 'Springfield',
        startsAt: new Date(Date.now() + 7 * 24 * 3600 * 1000).toISOString(),
        category: 'concert',
      }),
    );
    expect(event.status).toBe(201);
    return event.body.id as string;
  }
  const list = (seller: User, eventId: string, price: number, quantity: number) =>
    eventually(`a listing of ${eventId}`, async () => {
      const res = record('list', await seller.post('/api/tickets', { title: `Seats ${stamp}`, price, eventId, quantity }));
      if (res.status === 201) return res.body as { id: string };
      if (res.status === 400 && res.body.errors?.[0]?.message === 'Event not found') return undefined;
      throw new Error(show(res));
    });
  /** Orders and pays `quantity` seats; resolves with the order id and when the payment answered 201. */
  async function buy(buyer: User, ticketId: string, quantity: number) {
    const order = await eventually('an order', async () => {
      const res = record('order', await buyer.post('/api/orders', { ticketId, quantity }));
      if (res.status === 201) return res.body as { id: string };
      if (res.status === 404) return undefined; // orders has not heard of the listing yet
      throw new Error(show(res));
    });
    const paid = await eventually('a payment', async () => {
      const res = record('pay', await buyer.post('/api/payments', { token: 'tok_visa', orderId: order.id }));
      if (res.status === 201) return Date.now();
      if (res.status === 404) return undefined; // payments has not heard of the order yet
      throw new Error(show(res));
    });
    return { orderId: order.id, paidAt: paid };
  }

  it('a purchase: order-paid to the buyer and ticket-sold to the seller once each, both emailed once; a watch alerts once', async () => {
    const seller = await person('seller');
    const buyer = await person('buyer');
    const watcher = await person('watcher');
    const eventId = await eventOf(seller);

    // The watch first: notifications hears of the event on its own subscription.
    const watch = await eventually('the watch', async () => {
      const res = record('watch', await watcher.post('/api/notifications/watches', { eventId, maxPrice: 30 }));
      if (res.status === 201) return res.body as { id: string; eventId: string; maxPrice: number };
      if (res.status === 400 && res.body.errors?.[0]?.message === 'Event not found') return undefined;
      throw new Error(show(res));
    });
    expect(watch).toEqual({ id: expect.any(String), eventId, maxPrice: 30 });
    expect((await watcher.get('/api/notifications/watches')).body).toEqual([watch]);

    // $25 + $3.00 fee = $28.00 all-in: within $30.
    const listing = await list(seller, eventId, 25, 4);
    const { orderId, paidAt } = await buy(buyer, listing.id, 2);

    await eventually('order-paid and ticket-sold', async () => {
      const [b, s] = await Promise.all([kinds(buyer), kinds(seller)]);
      return b.includes('order-paid') && s.includes('ticket-sold') ? true : undefined;
    });
    await eventually('the price alert', async () => ((await kinds(watcher)).includes('price-alert') ? true : undefined));
    const emails = await eventually(
      'the three emails in Mailpit',
      async () => {
        const [b, s, w] = await Promise.all([mailTo(buyer.email), mailTo(seller.email), mailTo(watcher.email)]);
        return b.length >= 1 && s.length >= 1 && w.length >= 1 ? { b, s, w } : undefined;
      },
      { timeoutMs: 30000, intervalMs: 200 },
    );
    paymentToEmailMs.push(Date.parse(emails.b[0].Created) - paidAt);

    // Quiet for a while (redeliveries, the listing's later ticket:updated): still once each.
    await sleep(5000);
    const buyerInbox = await inbox(buyer);
    expect(buyerInbox.items.map((n) => [n.kind, n.link])).toEqual([['order-paid', `/orders/${orderId}`]]);
    expect(buyerInbox.items[0].message).toBe(`Your order of 2 tickets for Seats ${stamp} is paid ($56.00). Enjoy the show!`);
    expect(buyerInbox.unread).toBe(1);
    expect(await kinds(seller)).toEqual(['ticket-sold']);
    expect(await kinds(watcher)).toEqual(['price-alert']);
    const [b, s, w] = await Promise.all([mailTo(buyer.email), mailTo(seller.email), mailTo(watcher.email)]);
    expect(b.map((m) => m.Subject)).toEqual(['Your order is paid']);
    expect(s.map((m) => m.Subject)).toEqual(['You sold tickets']);
    expect(w.map((m) => m.Subject)).toEqual([`Price alert for Tour ${stamp}`]);

    // The email's bodies: plain text and HTML, with the link to the order.
    const full = (await (await fetch(`${MAILPIT}/api/v1/message/${b[0].ID}`)).json()) as { Text: string; HTML: string };
    expect(full.Text).toContain(`/orders/${orderId}`);
    expect(full.HTML).toMatch(new RegExp(`<a href="http://localhost:\\d+/orders/${orderId}">`));

    // Marking read: the count follows.
    const read = record('read', await buyer.post('/api/notifications/read', {}));
    expect([read.status, read.body]).toEqual([200, { unread: 0 }]);

    if (fs.existsSync(CHROMIUM)) {
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        await page.goto(`${MAILPIT}/`, { waitUntil: 'networkidle' });
        // The page's scripts ran (its /dist/app.js): the message list is drawn.
        await page.getByText('Your order is paid').first().waitFor({ timeout: 15000 });
        const shot = await new Camera(undefined, { first: eventBus === 'stan' ? 160 : 161, count: 1 }).shoot(page, `mailpit-inbox-${eventBus}`);
        process.stdout.write(`[notifications ${eventBus}] Mailpit's page: e2e/screenshots/${shot}\n`);
      } finally {
        await browser.close();
      }
    }
    expect(serverErrors).toEqual([]);
  }, 180000);

  it('Mailpit down for 10 s: the emails of a purchase made meanwhile arrive after it returns, once each', async () => {
    const seller = await person('seller2');
    const buyer = await person('buyer2');
    const eventId = await eventOf(seller);
    const listing = await list(seller, eventId, 40, 2);

    mailpit('stop');
    const downAt = Date.now();
    let upAt: number;
    try {
      const { orderId } = await buy(buyer, listing.id, 1);
      // In the inbox at once, whatever the mail server.
      await eventually('order-paid in the inbox', async () => ((await kinds(buyer)).includes('order-paid') ? true : undefined));
      await sleep(Math.max(0, downAt + DOWN_MS - Date.now()));
      expect((await inbox(buyer)).items.map((n) => n.link)).toEqual([`/orders/${orderId}`]);
    } finally {
      mailpit('start');
      upAt = Date.now();
    }
    const emails = await eventually(
      'both emails after Mailpit returned',
      async () => {
        const [b, s] = await Promise.all([mailTo(buyer.email), mailTo(seller.email)]);
        return b.length >= 1 && s.length >= 1 ? { b, s } : undefined;
      },
      { timeoutMs: 30000, intervalMs: 250 },
    );
    process.stdout.write(
      `[notifications ${eventBus}] Mailpit down ${((upAt - downAt) / 1000).toFixed(1)} s; the emails arrived ${Math.max(...[...emails.b, ...emails.s].map((m) => Date.parse(m.Created))) - upAt} ms after it returned\n`,
    );
    await sleep(5000);
    expect((await mailTo(buyer.email)).map((m) => m.Subject)).toEqual(['Your order is paid']);
    expect((await mailTo(seller.email)).map((m) => m.Subject)).toEqual(['You sold tickets']);
    expect(serverErrors).toEqual([]);
  }, 180000);
});
