// Abuse resistance as a person meets it, in a real browser against the whole
// system with its production limits: after a few wrong passwords the
// sign-in page says to wait (the 429's message, with how long), and after
// that wait the person gets in. The pages carry the client's
// Content-Security-Policy and break none of it. Then a purchase over the API,
// and every log line the system wrote is searched for the secrets of the
// run: passwords, session cookies, the card token, the Stripe key.
// Screenshots under e2e/screenshots/security/.
import fs from 'fs';
import path from 'path';
import type { Browser } from 'playwright-core';
import { Camera, launchBrowser, Person, SCREENSHOT_DIR } from './browser';
import { startBrowserTestSystem, type BrowserTestSystem } from './system';
import { eventually, User } from '../system/user';

jest.setTimeout(180000);

const EVENT_BUS = process.env.E2E_BROWSER_EVENT_BUS || 'stan';
const START_TIMEOUT_MS = 15 * 60 * 1000;
const TOO_MANY = /^Too many requests, try again in (\d+) seconds?$/;

describe('abuse resistance in the browser (throttling, CSP, secrets in logs)', () => {
  const stamp = `t${Date.now().toString(36)}`;
  let sys: BrowserTestSystem | undefined;
  let browser: Browser | undefined;
  let person: Person | undefined;
  /** Every secret this run handed the system; none may appear in its logs. */
  const secrets = new Set<string>();

  beforeAll(async () => {
    sys = await startBrowserTestSystem({ eventBus: EVENT_BUS, expirationWindowSeconds: 60 });
    browser = await launchBrowser();
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await person?.close();
    await browser?.close().catch(() => undefined);
    await sys?.stop();
  }, 120000);

  it('shows the wait to a person after repeated wrong passwords, then lets them in', async () => {
    const camera = new Camera(path.join(SCREENSHOT_DIR, 'security'));
    person = await Person.open(browser!, sys!.url, camera, 'forgetful', stamp);
    const me = person;
    try {
      const first = await me.page.goto('/auth/signup', { waitUntil: 'load' });
      const csp = first!.headers()['content-security-policy'];
      // Scripts: our origin, this page's nonce, the prerendered pages' hashes, Stripe.js; nothing inline without them.
      const scriptSrc = csp.split('; ').find((d) => d.startsWith('script-src '))!.split(' ').slice(1);
      const nonce = /^'nonce-(.+)'$/.exec(scriptSrc.find((s) => s.startsWith("'nonce-")) || '')?.[1];
      expect(nonce).toBeDefined();
      expect(scriptSrc.filter((s) => !/^'(nonce|sha256)-/.test(s))).toEqual(["'self'", 'https://js.stripe.com']);
      expect(csp).not.toMatch(/unsafe-(inline|eval)|strict-dynamic/);
      // Next stamped the nonce on its inline bootstrap, so the page came alive (the form below submits by script).
      const inlineNonces = await me.page.$$eval('script:not([src]):not([type="application/json"])', (els) =>
        els.map((e) => (e as unknown as { nonce: string }).nonce),
      );
      expect(inlineNonces.length).toBeGreaterThanOrEqual(1);
      expect(inlineNonces.every((n) => n === nonce)).toBe(true);
      secrets.add(me.password);
      await me.submitCredentials('Sign Up');
      await me.waitSignedIn();
      await me.follow('Sign Out', '/');
      await me.navLink('Sign In').waitFor();

      await me.goto('/auth/signin');
      const alert = me.page.getByRole('alert');
      const seen: Array<[number, string]> = [];
      let waitSeconds = 0;
      for (let attempt = 1; attempt <= 15 && !waitSeconds; attempt++) {
        const wrong = `not my password ${attempt}`;
        secrets.add(wrong);
        const [answer] = await Promise.all([
          me.page.waitForResponse((r) => r.url().endsWith('/api/users/signin') && r.request().method() === 'POST'),
          me.submitCredentials('Sign In', me.email, wrong),
        ]);
        await alert.waitFor();
        await me.page.waitForFunction('!document.querySelector("button[type=submit]").disabled');
        const text = ((await alert.textContent()) || '').trim();
        seen.push([answer.status(), text]);
        const m = TOO_MANY.exec(text);
        if (m) waitSeconds = Number(m[1]);
      }
      // Wrong passwords first say so; then the page tells the person to wait, and for how long.
      expect(seen.slice(0, 6)).toEqual(Array(6).fill([400, 'Invalid credentials']));
      expect(seen[seen.length - 1][0]).toBe(429);
      expect(waitSeconds).toBeGreaterThanOrEqual(1);
      expect(me.path()).toBe('/auth/signin');
      await me.shot('signin-too-many');

      // After the wait, the right password gets in: the lock-out only ever delays.
      await me.page.waitForTimeout(waitSeconds * 1000 + 300);
      await me.submitCredentials('Sign In');
      await me.page.waitForURL((u) => u.pathname === '/');
      await me.waitSignedIn();
      await me.shot('signed-in-after-wait');
      for (const c of await me.context.cookies()) if (c.name === 'session') secrets.add(c.value);
      expect(me.problems.map((x) => `${x.url}: ${x.text}`)).toEqual([]);
    } catch (err) {
      await me.shot('FAILED').catch(() => undefined);
      process.stdout.write(`\n[browser] last service log lines:\n${sys ? sys.recentLogs() : '(system not started)'}\n`);
      throw err;
    }
  });

  it('writes no password, session cookie, card token or Stripe key to any log of the run', async () => {
    const seller = new User(sys!.url, `seller-${stamp}@example.com`, 'seller secret 1');
    const buyer = new User(sys!.url, `buyer-${stamp}@example.com`, 'buyer secret 2');
    for (const u of [seller, buyer]) {
      expect((await u.signUp()).status).toBe(201);
      secrets.add(u.password);
      secrets.add(u.cookies.get('session')!);
    }
    const ticket = await seller.post('/api/tickets', { title: `Log test ${stamp}`, price: 10 });
    expect(ticket.status).toBe(201);
    const order = await eventually('orders to know the ticket', async () => {
      const res = await buyer.post('/api/orders', { ticketId: ticket.body.id });
      return res.status === 201 ? res : undefined;
    });
    const token = 'tok_visa';
    const paid = await eventually('payments to know the order', async () => {
      const res = await buyer.post('/api/payments', { token, orderId: order.body.id });
      return res.status === 201 ? res : undefined;
    });
    expect(paid.status).toBe(201);
    secrets.add(token);
    secrets.add(process.env.STRIPE_KEY || 'sk_test_local');

    await new Promise((r) => setTimeout(r, 500)); // the last lines reach the files
    // What our processes wrote (services, client, gateway), not the stand-ins'
    // own logs: stripe-mock plays Stripe, and Stripe is told the card token.
    const logDir = sys!.system.logDir;
    const ours = new Set(sys!.system.processes.map((p) => `${p.name}.log`));
    const files = fs.readdirSync(logDir).filter((f) => ours.has(f));
    expect(files.length).toBeGreaterThanOrEqual(6);
    const logs = files.map((f) => fs.readFileSync(path.join(logDir, f), 'utf8')).join('\n');
    // The control: the logs do hold this run's requests, and the redaction marks where secrets were.
    expect(logs).toContain('/api/payments');
    expect(logs).toContain('[redacted]');
    const leaked = [...secrets].filter((s) => s && logs.includes(s));
    expect(leaked).toEqual([]);
  });
});
