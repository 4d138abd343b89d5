// The buyer guarantee and seller payouts in a real browser (Debian's chromium
// via playwright-core), against the whole system: a seller opens Payouts from
// the header (nothing yet), sets up payouts and is offered Stripe's
// onboarding; the seller schedules an event and lists one seat at $25, a buyer
// buys and pays for it, the seller (its organizer) cancels the event, and the
// buyer's order then reads "Cancelled — refunded" while the seller's payout
// for it is cancelled. Every page is checked with axe-core (WCAG 2.0/2.1 A and
// AA: zero violations) and for horizontal overflow at 1280 px and 375 px
// wide, and photographed as e2e/screenshots/<nn>-payouts-<page>-{desktop,phone}.png
// (numbered from 122, after the marketplace's).
//
// Env: E2E_BROWSER_EVENT_BUS (stan | jetstream, default stan), ports in ./system.ts.
import type { Browser, Locator } from 'playwright-core';
import { Camera, launchBrowser, matchPath, Person, SCREENSHOT_DIR } from './browser';
import { checkPage } from './checks';
import { startBrowserTestSystem, type BrowserTestSystem } from './system';

jest.setTimeout(180000);

const EVENT_BUS = process.env.E2E_BROWSER_EVENT_BUS || 'stan';
const START_TIMEOUT_MS = 15 * 60 * 1000; // a first `next build` on a busy 2-core machine
const EVENT_PAGE = /^\/events\/[0-9a-f]{24}$/;
const TICKET_PAGE = /^\/tickets\/[0-9a-f]{24}$/;
const ORDER_PAGE = /^\/orders\/[0-9a-f]{24}$/;
const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 375, height: 740 } } as const;

const print = (line: string) => process.stdout.write(`${line}\n`);
const p2 = (n: number) => String(n).padStart(2, '0');
const text = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

describe(`payouts and refunds in the browser (${EVENT_BUS})`, () => {
  const stamp = Date.now().toString(36);
  const eventName = `Browser Payout Night ${stamp}`;
  const title = `Stalls ${stamp}`;
  const day = new Date(Date.now() + 30 * 86_400_000);
  const typedStart = `${day.getFullYear()}-${p2(day.getMonth() + 1)}-${p2(day.getDate())}T20:00`;

  let sys: BrowserTestSystem | undefined;
  let browser: Browser | undefined;
  let camera: Camera;
  const people: Person[] = [];
  let seller: Person;
  let buyer: Person;
  let eventPath = '';
  let orderPath = '';
  const failed: string[] = [];

  /** Steps build on each other: after a failure the later ones are not attempted. */
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

  const check = (me: Person, what: string) => checkPage(me.page, camera, 'payouts', what, WIDTHS);

  const open = async (name: string) => {
    const person = await Person.open(browser!, sys!.url, camera, name, stamp);
    await person.page.setViewportSize(WIDTHS.desktop);
    people.push(person);
    return person;
  };

  /** Clicks and waits for the page it leads to; an error shown instead fails with its text. */
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
    camera = new Camera(SCREENSHOT_DIR, { first: 122, count: 28 });
    sys = await startBrowserTestSystem({ eventBus: EVENT_BUS, expirationWindowSeconds: 120 });
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
    'a seller opens Payouts from the header: no payouts yet, and payouts to set up',
    step(async () => {
      await signUp(seller);
      await seller.follow('Payouts', '/payouts');
      await seller.heading('Payouts').waitFor();
      await seller.page.getByText('No payouts yet').waitFor();
      expect(await seller.page.locator('li.payout-row').count()).toBe(0);
      await seller.button('Set up payouts').waitFor();
      await check(seller, 'empty');
    }),
  );

  it(
    'sets up payouts: the page says so and offers the onboarding link',
    step(async () => {
      await seller.button('Set up payouts').click();
      const done = seller.page.getByRole('status').filter({ hasText: 'Payouts are set up' });
      const outcome = await Promise.race([
        done.waitFor().then(() => 'done' as const),
        seller.page.getByRole('alert').waitFor().then(() => 'error' as const),
      ]);
      if (outcome === 'error') throw new Error(`set up payouts failed: ${await text(seller.page.getByRole('alert'))}`);
      const onboarding = seller.page.getByRole('link', { name: 'Add your bank details with Stripe' });
      expect(await onboarding.getAttribute('href')).toMatch(/^https?:\/\//);
      expect(await seller.button('Set up payouts').count()).toBe(0);
      await check(seller, 'set-up');

      // After a reload the page remembers the account and asks Stripe for a fresh link only on demand.
      await seller.goto('/payouts');
      await seller.page.getByText('Payouts are set up').waitFor();
      expect(await seller.button('Set up payouts').count()).toBe(0);
      await seller.button('Update your bank details with Stripe').click();
      const fresh = seller.page.getByRole('link', { name: 'Add your bank details with Stripe' });
      await fresh.waitFor();
      expect(await fresh.getAttribute('href')).toMatch(/^https?:\/\//);
    }),
  );

  it(
    'a buyer buys and pays for the seller\'s seat at an event',
    step(async () => {
      await seller.goto('/events/new');
      const form = seller.page.locator('form');
      await form.getByLabel('Name', { exact: true }).fill(eventName);
      await form.getByLabel('Venue', { exact: true }).fill('Quay Theatre');
      await form.getByLabel('City', { exact: true }).fill('Porto');
      await form.getByLabel('Date and time', { exact: true }).fill(typedStart);
      await form.getByLabel('Category', { exact: true }).selectOption('concert');
      await clickThrough(seller, seller.button('Create Event'), EVENT_PAGE);
      eventPath = seller.path();

      await seller.goto(`/tickets/new?eventId=${eventPath.split('/').pop()}`);
      await seller.page.getByLabel('Title', { exact: true }).fill(title);
      await seller.page.getByLabel('Number of tickets', { exact: true }).selectOption('1');
      await seller.page.getByLabel('Price (USD)', { exact: true }).fill('25');
      await clickThrough(seller, seller.button('Create Ticket'), TICKET_PAGE);
      const ticketPath = seller.path();

      buyer = await open('buyer');
      await signUp(buyer);
      await buyer.goto(ticketPath);
      await clickThrough(buyer, buyer.button('Purchase'), ORDER_PAGE);
      orderPath = buyer.path();
      await clickThrough(buyer, buyer.button('Pay with test card'), '/orders');
      const row = buyer.row(title);
      await buyer.reloadUntil(`${title} complete`, async () => (await row.count()) === 1 && (await text(row.locator('.status'))) === 'complete');

      // The seller's payout for it: $25.00 (the buyer's fee is the platform's), waiting for its release date.
      await seller.goto('/payouts');
      const payout = seller.page.locator('li.payout-row');
      await seller.reloadUntil('the payout', async () => (await payout.count()) === 1);
      expect(await text(payout.locator('.payout-amount'))).toBe('$25.00');
      expect(await text(payout.locator('.status'))).toBe('pending');
      expect(await text(payout.locator('.payout-order'))).toBe(orderPath.split('/').pop());
      await check(seller, 'pending');
    }),
  );

  it(
    'the organizer cancels the event: its page says the buyers were refunded, the order reads Cancelled — refunded, the payout is cancelled',
    step(async () => {
      await seller.goto(eventPath);
      await seller.button('Cancel event').click();
      await seller.button('Yes, cancel this event').click();
      await seller.page.getByText('This event has been cancelled. Everyone who paid has been refunded.').waitFor();

      await buyer.goto(orderPath);
      const reloads = await buyer.reloadUntil('the order refunded', async () => (await text(buyer.page.locator('.status'))) === 'Cancelled — refunded');
      print(`[browser] the buyer's order read "Cancelled — refunded" after ${reloads} reload(s)`);
      expect(await text(buyer.page.locator('.order-refunded'))).toBe(
        'The event was cancelled, so this order was cancelled and its total of $28.00 went back to the card it was paid with.',
      );
      expect(await buyer.button('Pay with test card').count()).toBe(0);
      await check(buyer, 'order-refunded');

      await buyer.goto('/orders');
      expect(await text(buyer.row(title).locator('.status'))).toBe('Cancelled — refunded');

      await seller.goto('/payouts');
      const payout = seller.page.locator('li.payout-row');
      await seller.reloadUntil('the payout cancelled', async () => (await text(payout.locator('.status'))) === 'cancelled');
      expect(await text(payout.locator('.row-sub'))).toContain('Not paid: the event was cancelled');
      await check(seller, 'cancelled');
    }),
  );

  it('no page threw or logged an error', () => {
    expect(people.flatMap((p) => p.problems)).toEqual([]);
  });
});
