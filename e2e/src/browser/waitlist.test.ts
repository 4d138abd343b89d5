// The waiting list in a real browser (Debian's chromium via playwright-core),
// against the whole system: a seller lists one seat, a first buyer holds it;
// a second buyer finds it sold out, joins the waiting list ("Join the
// waiting list") and sees their place in "My waiting list"; the first buyer
// cancels, the second is offered the seat at once (a countdown, "Buy your
// offered seats") and buys it. Every page is checked with axe-core (WCAG
// 2.0/2.1 A and AA: zero violations) and for horizontal overflow at 1280 px
// and 375 px wide, and photographed as
// e2e/screenshots/<nn>-waitlist-<page>-{desktop,phone}.png (numbered from 180).
//
// Env: E2E_BROWSER_EVENT_BUS (stan | jetstream, default stan), ports in ./system.ts.
import type { Browser, Locator } from 'playwright-core';
import { Camera, launchBrowser, matchPath, Person, SCREENSHOT_DIR } from './browser';
import { checkPage } from './checks';
import { startBrowserTestSystem, type BrowserTestSystem } from './system';

jest.setTimeout(180000);

const EVENT_BUS = process.env.E2E_BROWSER_EVENT_BUS || 'stan';
const START_TIMEOUT_MS = 15 * 60 * 1000;
const TICKET_PAGE = /^\/tickets\/[0-9a-f]{24}$/;
const ORDER_PAGE = /^\/orders\/[0-9a-f]{24}$/;
const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 375, height: 740 } } as const;

const print = (line: string) => process.stdout.write(`${line}\n`);
const text = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe(`the waiting list in the browser (${EVENT_BUS})`, () => {
  const stamp = Date.now().toString(36);
  const title = `Front row ${stamp}`;

  let sys: BrowserTestSystem | undefined;
  let browser: Browser | undefined;
  let camera: Camera;
  const people: Person[] = [];
  let seller: Person;
  let holder: Person;
  let waiter: Person;
  let ticketPath = '';
  let holdPath = '';
  const failed: string[] = [];

  const step = (fn: () => Promise<void>) => async () => {
    if (failed.length) throw new Error(`not attempted: an earlier step failed (${failed[0]})`);
    try {
      await fn();
    } catch (err) {
      failed.push(expect.getState().currentTestName || 'a step');
      for (const p of people) print(`[browser] ${p.name} was at ${p.page.url()} → ${await p.shot('FAILED').catch(() => '(no screenshot)')}`);
      const problems = people.flatMap((p) => p.problems);
      if (problems.length) print(`[browser] page errors:\n${problems.map((x) => `  ${x.who} ${x.url}: ${x.text}`).join('\n')}`);
      print(`\n[browser] last service log lines:\n${sys ? sys.recentLogs() : '(system not started)'}\n`);
      throw err;
    }
  };

  const check = (me: Person, what: string) => checkPage(me.page, camera, 'waitlist', what, WIDTHS);

  const open = async (name: string) => {
    const person = await Person.open(browser!, sys!.url, camera, name, stamp);
    await person.page.setViewportSize(WIDTHS.desktop);
    people.push(person);
    return person;
  };

  async function clickThrough(person: Person, button: Locator, to: string | RegExp): Promise<void> {
    await button.click();
    const errors = person.page.locator('[role="alert"], .field-error');
    const outcome = await Promise.race([
      person.page.waitForURL((u) => matchPath(u.pathname, to), { timeout: 30000 }).then(() => 'arrived' as const),
      errors.first().waitFor({ timeout: 30000 }).then(() => 'error' as const),
    ]);
    if (outcome === 'error') throw new Error(`${person.name} at ${person.path()} got an error instead of ${to}: ${(await errors.allTextContents()).join(' | ')}`);
  }

  async function signUp(person: Person): Promise<void> {
    await person.goto('/');
    await person.follow('Sign Up', '/auth/signup');
    await person.submitCredentials('Sign Up');
    await person.page.waitForURL((u) => u.pathname === '/');
    await person.waitSignedIn();
  }

  beforeAll(async () => {
    camera = new Camera(SCREENSHOT_DIR, { first: 180, count: 20 });
    sys = await startBrowserTestSystem({ eventBus: EVENT_BUS, expirationWindowSeconds: 300 });
    browser = await launchBrowser();
    seller = await open('seller');
    print(`[browser] chromium ${browser.version()}; screenshots in ${camera.dir}`);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    for (const p of people) await p.close();
    await browser?.close().catch(() => undefined);
    await sys?.stop();
    if (camera) print(`[browser] ${camera.taken.length} screenshots:\n${camera.taken.map((f) => `  ${f}`).join('\n')}`);
  }, 120000);

  it(
    'a seller lists one seat and a first buyer holds it',
    step(async () => {
      await signUp(seller);
      await seller.goto('/tickets/new');
      await seller.page.getByLabel('Title', { exact: true }).fill(title);
      await seller.page.getByLabel('Number of tickets', { exact: true }).selectOption('1');
      await seller.page.getByLabel('Price (USD)', { exact: true }).fill('25');
      await clickThrough(seller, seller.button('Create Ticket'), TICKET_PAGE);
      ticketPath = seller.path();

      holder = await open('holder');
      await signUp(holder);
      await holder.goto(ticketPath);
      await clickThrough(holder, holder.button('Purchase'), ORDER_PAGE);
      holdPath = holder.path();
    }),
  );

  it(
    'a second buyer finds it sold out and joins the waiting list: number 1 in line',
    step(async () => {
      waiter = await open('waiter');
      await signUp(waiter);
      await waiter.goto(ticketPath);
      const join = waiter.button('Join the waiting list');
      await waiter.reloadUntil('the listing sold out', async () => (await join.count()) === 1);
      // All-in first: the price with fees is what the panel shows.
      expect(await text(waiter.page.locator('.waitlist-join .purchase-total'))).toBe('$28.00 each, incl. fees');
      await check(waiter, 'sold-out');
      await clickThrough(waiter, join, '/waitlist');
      const row = waiter.row(title);
      expect(await text(row.locator('.row-sub'))).toBe('1 ticket · Number 1 in line');
      expect(await text(row.locator('.status'))).toBe('waiting');
      await check(waiter, 'waiting');
    }),
  );

  it(
    'the first buyer cancels: the seat is offered to the waiting buyer at once, with a countdown, and bought',
    step(async () => {
      await holder.goto(holdPath);
      await holder.button('Cancel order').click();
      await holder.page.getByText('This order was cancelled and the ticket was released.').waitFor();

      await waiter.goto('/waitlist');
      const row = waiter.row(title);
      const reloads = await waiter.reloadUntil('the offer', async () => (await text(row.locator('.status'))) === 'offered');
      print(`[browser] the offer was on the page after ${reloads} reload(s)`);
      expect(await text(row.locator('.waitlist-countdown'))).toMatch(/^(10:00|9:[0-5]\d)$/);
      const buy = waiter.page.getByRole('button', { name: 'Buy your offered seats · $28.00' });
      await buy.waitFor();
      await check(waiter, 'offered');
      await clickThrough(waiter, buy, ORDER_PAGE);
      await waiter.page.getByRole('button', { name: 'Pay with test card' }).waitFor();
      await check(waiter, 'order');

      await waiter.goto('/waitlist');
      expect(await text(waiter.row(title).locator('.status'))).toBe('done');
      await check(waiter, 'done');
    }),
  );

  it('no page threw or logged an error', () => {
    expect(people.flatMap((p) => p.problems)).toEqual([]);
  });
});
