// Notifications in a real browser (Debian's chromium via playwright-core),
// against the whole system: a seller schedules an event; a buyer opens it and
// chooses "Watch this event" at $30 all-in (My watches lists it); the seller
// lists two seats at $25 ($28.00 all-in): the buyer's bell shows 1 (the price
// alert); the buyer buys one: the bell shows 2, the inbox lists both messages,
// newest first; "Mark all as read" empties the bell; the seller's bell shows
// the sale. Every page is checked with axe-core (WCAG 2.0/2.1 A and AA: zero
// violations) and for horizontal overflow at 1280 px and 375 px wide, and
// photographed as e2e/screenshots/<nn>-notifications-<page>-{desktop,phone}.png
// (numbered from 162; 160–161 are Mailpit's page, from the system test).
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

describe(`notifications in the browser (${EVENT_BUS})`, () => {
  const stamp = Date.now().toString(36);
  const eventName = `Bell Night ${stamp}`;
  const title = `Balcony ${stamp}`;
  const day = new Date(Date.now() + 30 * 86_400_000);
  const typedStart = `${day.getFullYear()}-${p2(day.getMonth() + 1)}-${p2(day.getDate())}T20:00`;

  let sys: BrowserTestSystem | undefined;
  let browser: Browser | undefined;
  let camera: Camera;
  const people: Person[] = [];
  let seller: Person;
  let buyer: Person;
  let eventPath = '';
  let ticketPath = '';
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

  const check = (me: Person, what: string) => checkPage(me.page, camera, 'notifications', what, WIDTHS);

  const open = async (name: string) => {
    const person = await Person.open(browser!, sys!.url, camera, name, stamp);
    await person.page.setViewportSize(WIDTHS.desktop);
    people.push(person);
    return person;
  };

  /** The header's bell: its accessible name carries the unread count. */
  const bell = (person: Person) => person.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Notifications/ });
  const bellSays = async (person: Person, unread: number) =>
    // Once the bell has read the count (data-unread), after the page loaded.
    (await person.page.locator('a.bell[data-unread]').waitFor({ timeout: 10000 }).then(() => true, () => false)) &&
    (await bell(person).getAttribute('aria-label')) === (unread ? `Notifications, ${unread} unread` : 'Notifications') &&
    (unread ? (await text(bell(person).locator('.bell-count'))) === String(unread) : (await bell(person).locator('.bell-count').count()) === 0);

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
    camera = new Camera(SCREENSHOT_DIR, { first: 162, count: 20 });
    sys = await startBrowserTestSystem({ eventBus: EVENT_BUS, expirationWindowSeconds: 120 });
    browser = await launchBrowser();
    print(`[browser] chromium ${browser.version()}; screenshots in ${camera.dir}`);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    for (const p of people) await p.close();
    await browser?.close().catch(() => undefined);
    await sys?.stop();
    if (camera) print(`[browser] ${camera.taken.length} screenshots:\n${camera.taken.map((f) => `  ${f}`).join('\n')}`);
  }, 120000);

  it(
    'a buyer watches an event at a price: the event page confirms it, My watches lists it, the bell shows nothing yet',
    step(async () => {
      seller = await open('seller');
      await signUp(seller);
      await seller.goto('/events/new');
      const form = seller.page.locator('form');
      await form.getByLabel('Name', { exact: true }).fill(eventName);
      await form.getByLabel('Venue', { exact: true }).fill('Quay Theatre');
      await form.getByLabel('City', { exact: true }).fill('Porto');
      await form.getByLabel('Date and time', { exact: true }).fill(typedStart);
      await form.getByLabel('Category', { exact: true }).selectOption('concert');
      await clickThrough(seller, seller.button('Create Event'), EVENT_PAGE);
      eventPath = seller.path();

      buyer = await open('buyer');
      await signUp(buyer);
      expect(await bellSays(buyer, 0)).toBe(true);
      await buyer.goto(eventPath);
      await buyer.page.getByRole('heading', { name: 'Watch this event' }).waitFor();
      await buyer.page.getByLabel('Your price per ticket, all fees included ($)', { exact: true }).fill('0');
      await buyer.button('Watch this event').click();
      // The API's own message, beside the field.
      await buyer.page.locator('.field-error').filter({ hasText: 'Price must be greater than 0' }).waitFor();
      await check(buyer, 'watch-invalid');
      await buyer.page.getByLabel('Your price per ticket, all fees included ($)', { exact: true }).fill('30');
      // The notifications service hears of a new event on its own subscription: until then, "Event not found".
      const watching = buyer.page.getByRole('status').filter({ hasText: 'Watching: you will be told' });
      for (let attempt = 0; ; attempt += 1) {
        await buyer.button('Watch this event').click();
        const outcome = await Promise.race([
          watching.waitFor({ timeout: 10000 }).then(() => 'ok' as const),
          buyer.page.getByRole('alert').filter({ hasText: 'Event not found' }).waitFor({ timeout: 10000 }).then(() => 'not yet' as const),
        ]);
        if (outcome === 'ok') break;
        if (attempt === 20) throw new Error('the event never became watchable');
        await buyer.page.waitForTimeout(500);
      }
      expect(await text(watching)).toContain('$30.00 all-in');
      await check(buyer, 'watching');

      await watching.getByRole('link', { name: 'My watches' }).click();
      await buyer.page.waitForURL((u) => u.pathname === '/watches');
      await buyer.heading('My watches').waitFor();
      const row = buyer.page.locator('li.watch-row');
      expect(await row.count()).toBe(1);
      expect(await text(row.getByRole('link'))).toBe(eventName);
      expect(await text(row.locator('.row-sub'))).toBe('At or under $30.00 all-in');
      await check(buyer, 'my-watches');
    }),
  );

  it(
    'the seller lists seats within the price: the buyer\'s bell shows 1; the buyer buys one: the bell shows 2',
    step(async () => {
      await seller.goto(`/tickets/new?eventId=${eventPath.split('/').pop()}`);
      await seller.page.getByLabel('Title', { exact: true }).fill(title);
      await seller.page.getByLabel('Number of tickets', { exact: true }).selectOption('2');
      await seller.page.getByLabel('Price (USD)', { exact: true }).fill('25');
      await clickThrough(seller, seller.button('Create Ticket'), TICKET_PAGE);
      ticketPath = seller.path();

      await buyer.goto('/events');
      const alerted = await buyer.reloadUntil('the bell at 1', () => bellSays(buyer, 1));
      print(`[browser] the buyer's bell showed the price alert after ${alerted} reload(s)`);

      await buyer.goto(ticketPath);
      await clickThrough(buyer, buyer.button('Purchase'), ORDER_PAGE);
      await clickThrough(buyer, buyer.button('Pay with test card'), '/orders');
      const paid = await buyer.reloadUntil('the bell at 2', () => bellSays(buyer, 2));
      print(`[browser] the buyer's bell showed the payment after ${paid} more reload(s)`);
    }),
  );

  it(
    'the inbox lists both, newest first, unread; marking all read empties the bell',
    step(async () => {
      await bell(buyer).click();
      await buyer.page.waitForURL((u) => u.pathname === '/notifications');
      await buyer.heading('Notifications').waitFor();
      const items = buyer.page.locator('li.notification');
      expect(await items.count()).toBe(2);
      expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual(['order-paid', 'price-alert']);
      expect(await text(items.nth(0).locator('.row-title'))).toBe(`Unread: Your order of 1 ticket for ${title} is paid ($28.00). Enjoy the show!`);
      expect(await text(items.nth(1).locator('.row-title'))).toBe(`Unread: Tickets for ${eventName} are available at $28.00 all-in, within your price.`);
      expect(await items.nth(1).getByRole('link', { name: 'Open' }).getAttribute('href')).toBe(ticketPath);
      await buyer.page.getByText('2 unread notifications.').waitFor();
      await check(buyer, 'inbox-unread');

      await buyer.button('Mark read').first().click();
      await buyer.page.getByText('1 unread notification.').waitFor();
      expect(await bellSays(buyer, 1)).toBe(true);
      await buyer.button('Mark all as read').click();
      await buyer.page.getByText('Nothing unread.').waitFor();
      expect(await bellSays(buyer, 0)).toBe(true);
      await buyer.goto('/notifications');
      expect(await buyer.page.locator('li.notification-unread').count()).toBe(0);
      expect(await bellSays(buyer, 0)).toBe(true);
      await check(buyer, 'inbox-read');
    }),
  );

  it(
    "the seller's bell shows the sale; the seller's inbox says so",
    step(async () => {
      await seller.goto('/');
      await seller.reloadUntil("the seller's bell at 1", () => bellSays(seller, 1));
      await seller.goto('/notifications');
      const items = seller.page.locator('li.notification');
      expect(await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')))).toEqual(['ticket-sold']);
      expect(await text(items.nth(0).locator('.row-title'))).toBe(`Unread: You sold 1 ticket for ${title}. Your payout follows after the event.`);
      await check(seller, 'seller-inbox');
    }),
  );

  it('no page threw or logged an error', () => {
    expect(people.flatMap((p) => p.problems)).toEqual([]);
  });
});
