// The marketplace in a real browser (Debian's chromium via playwright-core),
// against the whole system started as `npm start` starts it: people click and
// type, nothing goes around the pages to the API. A seller lists a ticket; a
// buyer finds it by search, reserves it, watches the countdown, pays with the
// test card and sees the order complete; the seller sees it sold; a second
// buyer is told a ticket is reserved; an unpaid order expires on screen.
// The system runs traced (as `npm start` does): the purchase's trace is
// opened in Zipkin's own UI and photographed with the services it crossed.
// Every page visited is saved as e2e/screenshots/<nn>-<person>-<page>.png.
//
// Env: E2E_BROWSER_EVENT_BUS (stan | jetstream, default stan),
// E2E_BROWSER_EXPIRATION_SECONDS (default 20), ports in ./system.ts.
import type { Browser } from 'playwright-core';
import { hasSpan, PURCHASE_CROSSINGS, summarize, traceIdOf, waitForTrace } from '../support/zipkin';
import { Camera, launchBrowser, ORDER_PAGE, Person, TICKET_PAGE } from './browser';
import { EVENT_BUS, START_TIMEOUT_MS, startBrowserTestSystem, type BrowserTestSystem } from './system';

jest.setTimeout(180000);

// Long enough to pay on a busy machine, short enough to watch it run out.
const WINDOW_SECONDS = Number(process.env.E2E_BROWSER_EXPIRATION_SECONDS || 20);
const COUNTDOWN = /^Time left to pay: (\d+) seconds$/;

/** What the functions run inside the page use (e2e's tsconfig has no DOM types). */
interface BrowserGlobals {
  document: { querySelector(selector: string): { textContent: string | null } | null };
  __sameDocument?: boolean;
}

const print = (line: string) => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

describe(`buying a ticket in the browser (${EVENT_BUS})`, () => {
  const stamp = Date.now().toString(36);
  // Shown all-in first (the default fee: 10% + $0.50), the price before fees after it.
  const concert = { title: `Browser Test Concert ${stamp}`, price: '25.50', shown: '$28.55 each, incl. fees', beforeFees: '$25.50 + $3.05 fee' };
  const matinee = { title: `Browser Test Matinee ${stamp}`, price: '12', shown: '$13.70 each, incl. fees', beforeFees: '$12.00 + $1.70 fee' };

  let sys: BrowserTestSystem | undefined;
  let browser: Browser | undefined;
  let camera: Camera;
  const people: Person[] = [];
  let seller: Person;
  let buyer: Person;
  let rival: Person;

  let concertPath = '';
  let matineePath = '';
  let concertOrderPath = '';
  let matineeOrderPath = '';
  /** The trace of the buyer's POST /api/orders (its `traceresponse` header). */
  let purchaseTraceId = '';

  const t0 = Date.now();
  let flowsStartedAt = 0;

  const open = async (name: string) => {
    const person = await Person.open(browser!, sys!.url, camera, name, stamp);
    people.push(person);
    return person;
  };

  /**
   * Steps build on each other in chains: "setup" (accounts, the first
   * listing), then "pay" (the purchase to completion) and, independent of it,
   * "expiry" (the lock and its expiry). After a failure, the later steps of
   * that chain (and of chains that need it) are not attempted.
   */
  const failedChains = new Set<string>();
  const step = (chain: string, fn: () => Promise<void>, needs: string[] = []) => async () => {
    const blocked = [chain, ...needs].filter((c) => failedChains.has(c));
    if (blocked.length) throw new Error(`not attempted: an earlier step failed (${blocked.join(', ')})`);
    try {
      await fn();
    } catch (err) {
      failedChains.add(chain);
      for (const p of people) {
        const file = await p.shot('FAILED').catch(() => '(no screenshot)');
        print(`[browser] ${p.name} was at ${p.page.url()} → ${file}`);
      }
      const problems = people.flatMap((p) => p.problems);
      if (problems.length) print(`[browser] page errors:\n${problems.map((x) => `  ${x.who} ${x.url}: ${x.text}`).join('\n')}`);
      print(`\n[browser] last service log lines:\n${sys ? sys.recentLogs() : '(system not started)'}\n`);
      throw err;
    }
  };

  async function countdown(person: Person): Promise<number> {
    const text = ((await person.page.getByRole('timer').textContent()) || '').trim();
    const m = COUNTDOWN.exec(text);
    if (!m) throw new Error(`${person.name}: countdown reads "${text}"`);
    return Number(m[1]);
  }

  async function statusOf(person: Person, title: string): Promise<string | null> {
    const row = person.row(title);
    if ((await row.count()) !== 1) return null;
    return ((await row.locator('.status').textContent()) || '').trim();
  }

  /** Seller: Sell Tickets → title + price → Create Ticket → the new ticket's page. */
  async function listTicket(ticket: { title: string; price: string; shown: string; beforeFees: string }, shotName: string): Promise<string> {
    await seller.follow('Sell Tickets', '/tickets/new');
    await seller.heading('Sell a ticket').waitFor();
    await seller.page.getByLabel('Title', { exact: true }).fill(ticket.title);
    await seller.page.getByLabel('Price (USD)', { exact: true }).fill(ticket.price);
    await seller.clickThrough(seller.button('Create Ticket'), TICKET_PAGE);
    await seller.heading(ticket.title).waitFor();
    const shown = async (selector: string) => ((await seller.page.locator(`.ticket-price ${selector}`).textContent()) ?? '').replace(/\s+/g, ' ').trim();
    expect(await shown('.all-in')).toBe(ticket.shown);
    expect(await shown('.price-before-fees')).toBe(ticket.beforeFees);
    // The owner edits; only others purchase.
    await seller.button('Save').waitFor();
    expect(await seller.button('Purchase').count()).toBe(0);
    await seller.shot(shotName);
    return seller.path();
  }

  /** Search box → Search → the one matching row (reloading while the system catches up with an event). */
  async function findBySearch(person: Person, title: string, shotName: string, timeoutMs = 5000): Promise<void> {
    await person.page.locator('input[name="q"]').fill(title);
    await person.button('Search').click();
    await person.page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('q') === title);
    await person.page.getByRole('search').waitFor();
    const reloads = await person.reloadUntil(`"${title}" in the results`, async () => (await person.row(title).count()) === 1, timeoutMs);
    if (reloads) print(`[browser] ${person.name}: the search found "${title}" after ${reloads} reload(s)`);
    expect(await person.page.locator('li.row').count()).toBe(1);
    await person.shot(shotName);
  }

  beforeAll(async () => {
    camera = new Camera();
    sys = await startBrowserTestSystem({ eventBus: EVENT_BUS, expirationWindowSeconds: WINDOW_SECONDS, tracing: true });
    browser = await launchBrowser();
    print(`[browser] chromium ${browser.version()}; expiration window ${WINDOW_SECONDS}s; screenshots in ${camera.dir}`);
    flowsStartedAt = Date.now();
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    const flowsEndedAt = Date.now();
    for (const p of people) await p.close();
    if (browser) await browser.close().catch(() => undefined);
    if (sys) await sys.stop();
    const end = Date.now();
    if (camera) {
      print(`[browser] ${camera.taken.length} screenshots in ${camera.dir}:\n${camera.taken.map((f) => `  ${f}`).join('\n')}`);
    }
    if (flowsStartedAt) {
      print(
        `[browser] wall time ${seconds(end - t0)}: system start ${seconds(flowsStartedAt - t0)}, ` +
          `browser flows ${seconds(flowsEndedAt - flowsStartedAt)}, stop ${seconds(end - flowsEndedAt)}`,
      );
    }
  }, 120000);

  it(
    'sign up: an invalid email is shown under the Email field; a valid one signs the seller in',
    step('setup', async () => {
      seller = await open('seller');
      await seller.goto('/');
      await seller.heading('Tickets for sale').waitFor();
      await seller.navLink('Sign In').waitFor();
      await seller.shot('home-signed-out');

      await seller.follow('Sign Up', '/auth/signup');
      await seller.heading('Sign Up').waitFor();
      await seller.shot('signup');

      await seller.submitCredentials('Sign Up', 'not-an-email');
      const emailError = seller.page.locator('.field-error[data-field="email"]');
      await emailError.waitFor();
      expect((await emailError.textContent())?.trim()).toBe('Email must be valid');
      expect(seller.path()).toBe('/auth/signup');
      // Under its own field: inside the Email field's box, below the input.
      const emailInput = seller.page.getByLabel('Email', { exact: true });
      expect(await emailInput.getAttribute('aria-invalid')).toBe('true');
      expect(await seller.page.locator('.field', { has: emailInput }).locator('.field-error').count()).toBe(1);
      const inputBox = await emailInput.boundingBox();
      const errorBox = await emailError.boundingBox();
      expect(errorBox!.y).toBeGreaterThanOrEqual(inputBox!.y + inputBox!.height - 1);
      expect(await seller.page.locator('.field-error[data-field="password"]').count()).toBe(0);
      await seller.shot('signup-invalid-email');

      await seller.page.getByLabel('Email', { exact: true }).fill(seller.email);
      await seller.clickThrough(seller.button('Sign Up'), '/');
      await seller.waitSignedIn();
      await seller.heading('Tickets for sale').waitFor();
      await seller.shot('home-signed-in');
    }),
  );

  it(
    'a signed-out visit to /tickets/new asks to sign in, then comes back to /tickets/new',
    step('setup', async () => {
      await seller.follow('Sign Out', '/');
      await seller.navLink('Sign In').waitFor();
      expect(await seller.navLink('Sign Out').count()).toBe(0);
      await seller.shot('home-after-sign-out');

      await seller.goto('/tickets/new');
      await seller.page.waitForURL((u) => u.pathname === '/auth/signin' && u.searchParams.get('redirect') === '/tickets/new');
      await seller.heading('Sign In').waitFor();
      await seller.shot('signin-to-sell');

      await seller.submitCredentials('Sign In');
      await seller.page.waitForURL((u) => u.pathname === '/tickets/new');
      await seller.waitSignedIn();
      await seller.heading('Sell a ticket').waitFor();
      await seller.shot('sell-after-sign-in');
    }),
  );

  it(
    'the seller lists a ticket and lands on its page',
    step('setup', async () => {
      concertPath = await listTicket(concert, 'ticket-listed');
    }),
  );

  it(
    'a buyer signs up, finds the ticket by searching its title, and opens it',
    step('setup', async () => {
      buyer = await open('buyer');
      await buyer.goto('/');
      await buyer.follow('Sign Up', '/auth/signup');
      await buyer.heading('Sign Up').waitFor();
      await buyer.shot('signup');
      await buyer.submitCredentials('Sign Up');
      await buyer.page.waitForURL((u) => u.pathname === '/');
      await buyer.waitSignedIn();
      await buyer.shot('home-signed-in');

      await findBySearch(buyer, concert.title, 'search-results');
      await buyer.row(concert.title).getByRole('link').click();
      await buyer.page.waitForURL((u) => u.pathname === concertPath);
      await buyer.heading(concert.title).waitFor();
      await buyer.button('Purchase').waitFor();
      expect(await buyer.button('Save').count()).toBe(0);
      await buyer.shot('ticket');
    }),
  );

  it(
    'Purchase opens the order with a countdown that goes down',
    step('pay', async () => {
      const placed = buyer.page.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/api/orders');
      await buyer.clickThrough(buyer.button('Purchase'), ORDER_PAGE);
      purchaseTraceId = traceIdOf(await (await placed).allHeaders());
      concertOrderPath = buyer.path();
      await buyer.heading(concert.title).waitFor();
      await buyer.page.getByRole('timer').waitFor();
      const first = await countdown(buyer);
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThanOrEqual(WINDOW_SECONDS);
      expect((await buyer.page.locator('.facts .status').textContent())?.trim()).toBe('created');
      // The number goes down while the page stays as it is.
      await buyer.page.waitForFunction(
        ({ before, pattern }) => {
          const doc = (globalThis as unknown as BrowserGlobals).document;
          const m = new RegExp(pattern).exec(doc.querySelector('[role="timer"]')?.textContent?.trim() ?? '');
          return !!m && Number(m[1]) < before;
        },
        { before: first, pattern: COUNTDOWN.source },
        { timeout: 5000 },
      );
      const later = await countdown(buyer);
      expect(later).toBeLessThan(first);
      print(`[browser] countdown: ${first} → ${later} seconds`);
      await buyer.shot('order-countdown');
    }, ['setup']),
  );

  it(
    'Pay with test card leads to My Orders, where the order is complete',
    step('pay', async () => {
      await buyer.clickThrough(buyer.button('Pay with test card'), '/orders');
      await buyer.heading('My Orders').waitFor();
      // The order completes when the payment event reaches the orders service.
      const reloads = await buyer.reloadUntil(`${concert.title} complete`, async () => (await statusOf(buyer, concert.title)) === 'complete');
      if (reloads) print(`[browser] My Orders showed the paid order as complete after ${reloads} reload(s)`);
      await buyer.shot('orders-complete');

      await buyer.row(concert.title).getByRole('link').click();
      await buyer.page.waitForURL((u) => u.pathname === concertOrderPath);
      await buyer.page.getByText('Paid. This ticket is yours.').waitFor();
      expect(await buyer.page.getByRole('timer').count()).toBe(0);
      expect(await buyer.button('Pay with test card').count()).toBe(0);
      await buyer.shot('order-paid');
    }, ['setup']),
  );

  it(
    'the purchase reads as one trace in Zipkin, across orders, tickets, payments and expiration, its payment included',
    step('trace', async () => {
      expect(purchaseTraceId).not.toBe('');
      const zipkin = sys!.system.zipkinUrl!;
      const spans = await waitForTrace(zipkin, purchaseTraceId, (s) => PURCHASE_CROSSINGS.every(([svc, name]) => hasSpan(s, svc, name)));
      const summary = summarize(spans);
      print(`[browser] purchase trace ${purchaseTraceId}: ${summary.spans} spans, services ${summary.services.join(', ')}, ${summary.totalMs.toFixed(1)} ms`);
      expect(summary.services).toEqual(['expiration', 'notifications', 'orders', 'payments', 'tickets']);

      // Someone at Zipkin's UI: its own browser context (no shop cookies), the
      // trace's page. Zipkin heads it with the counts and shows one row per
      // span, "<service>: <span name>"; the viewport is tall enough for all
      // (Zipkin draws only the rows in view: a paid purchase has ~100 with notifications).
      const context = await browser!.newContext({ viewport: { width: 1400, height: 8000 } });
      try {
        const page = await context.newPage();
        await page.goto(`${zipkin}traces/${purchaseTraceId}`, { waitUntil: 'load' });
        try {
          for (const [svc, name] of PURCHASE_CROSSINGS) await page.getByText(`${svc}: ${name}`, { exact: true }).first().waitFor({ timeout: 30000 });
          const text = await page.locator('body').innerText();
          expect(text).toMatch(new RegExp(`Services\\s*${summary.services.length}\\b`));
          // At least the spans the API gave: late ones (an outbox write, a relay's send) may land in between.
          const shown = /Total Spans\s*(\d+)\b/.exec(text);
          expect(shown).not.toBeNull();
          expect(Number(shown![1])).toBeGreaterThanOrEqual(summary.spans);
        } finally {
          print(`[browser] the trace in Zipkin: ${await camera.shoot(page, 'zipkin-purchase-trace')}`);
        }
      } finally {
        await context.close();
      }
    }, ['setup']),
  );

  it(
    'the seller sees the ticket sold under My Tickets',
    step('pay', async () => {
      await seller.follow('My Tickets', '/tickets/mine');
      await seller.heading('My Tickets').waitFor();
      const reloads = await seller.reloadUntil(`${concert.title} sold`, async () => (await statusOf(seller, concert.title)) === 'sold');
      if (reloads) print(`[browser] My Tickets showed the ticket as sold after ${reloads} reload(s)`);
      await seller.shot('my-tickets-sold');
    }, ['setup']),
  );

  it(
    'a second buyer who opens a ticket reserved by someone else and clicks Purchase is told it is reserved',
    step('expiry', async () => {
      matineePath = await listTicket(matinee, 'second-ticket-listed');

      rival = await open('rival');
      await rival.goto('/auth/signup');
      await rival.heading('Sign Up').waitFor();
      await rival.shot('signup');
      await rival.submitCredentials('Sign Up');
      await rival.page.waitForURL((u) => u.pathname === '/');
      await rival.waitSignedIn();
      await rival.shot('home-signed-in');

      // The first buyer reserves the matinee and leaves the order page open, unpaid.
      await buyer.goto('/');
      await findBySearch(buyer, matinee.title, 'search-second-ticket');
      await buyer.row(matinee.title).getByRole('link').click();
      await buyer.page.waitForURL((u) => u.pathname === matineePath);
      await buyer.button('Purchase').waitFor();
      await buyer.shot('second-ticket');
      await buyer.clickThrough(buyer.button('Purchase'), ORDER_PAGE);
      matineeOrderPath = buyer.path();
      await buyer.page.getByRole('timer').waitFor();
      // Marks this document: still there later = the page was never reloaded.
      await buyer.page.evaluate(() => {
        (globalThis as unknown as BrowserGlobals).__sameDocument = true;
      });
      await buyer.shot('second-order-countdown');

      // The rival opens the same ticket (a shared link: reserved tickets are not listed).
      await rival.goto(matineePath);
      await rival.heading(matinee.title).waitFor();
      await rival.shot('reserved-ticket');
      await rival.button('Purchase').click();
      const alert = rival.page.getByRole('alert');
      await alert.waitFor();
      expect((await alert.textContent())?.trim()).toBe('Ticket is already reserved');
      expect(rival.path()).toBe(matineePath);
      await rival.shot('already-reserved');
    }, ['setup']),
  );

  it(
    'the unpaid order expires on screen without a reload, and then the ticket is released',
    step('expiry', async () => {
      expect(buyer.path()).toBe(matineeOrderPath);
      const left = await buyer.page.getByRole('timer').count().then((n) => (n ? countdown(buyer) : 0));
      print(`[browser] waiting ${left}s on the order page for it to expire`);
      await buyer.page.getByText('Order Expired', { exact: true }).waitFor({ timeout: (WINDOW_SECONDS + 15) * 1000 });
      expect(buyer.path()).toBe(matineeOrderPath);
      expect(await buyer.page.evaluate(() => (globalThis as unknown as BrowserGlobals).__sameDocument)).toBe(true);
      expect(await buyer.page.getByRole('timer').count()).toBe(0);
      expect(await buyer.button('Pay with test card').count()).toBe(0);
      await buyer.shot('order-expired');

      // The expiration service cancels it; My Orders says so.
      await buyer.follow('My Orders', '/orders');
      const reloads = await buyer.reloadUntil(`${matinee.title} cancelled`, async () => (await statusOf(buyer, matinee.title)) === 'cancelled', 30000);
      print(`[browser] My Orders showed the expired order as cancelled${reloads ? ` after ${reloads} reload(s)` : ''}`);
      if (!failedChains.has('pay')) expect(await statusOf(buyer, concert.title)).toBe('complete');
      await buyer.shot('orders-cancelled');

      // And the ticket is for sale again: the rival finds it by search.
      await rival.goto('/');
      await findBySearch(rival, matinee.title, 'search-released-ticket', 30000);
    }, ['setup']),
  );

  it('a developer reads the API contract at /api/docs, rendered from docs/openapi.yaml', async () => {
    const developer = await open('developer');
    await developer.goto('/api/docs');
    // Swagger UI renders the document's title and one block per operation.
    await developer.page.getByRole('heading', { name: /Ticketing API/ }).waitFor();
    for (const [method, route] of [['POST', '/api/orders'], ['PUT', '/api/tickets/{id}'], ['POST', '/api/payments'], ['GET', '/api/users/currentuser']]) {
      await developer.page.locator(`.opblock-${method.toLowerCase()}`, { hasText: route }).first().waitFor();
    }
    expect(await developer.page.locator('.opblock').count()).toBeGreaterThanOrEqual(16);
    await developer.shot('api-docs');
  });

  it('no page threw an exception or logged an error', () => {
    const problems = people.flatMap((p) => p.problems);
    expect(problems.map((x) => `${x.who} ${x.url}: ${x.text}`)).toEqual([]);
  });
});
