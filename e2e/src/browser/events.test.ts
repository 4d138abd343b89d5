// The events pages in a real browser (Debian's chromium via playwright-core),
// against the whole system: an organizer signs up, schedules an event (first
// with an empty form: each field's error beside it), finds it by search,
// edits it, and cancels it through the in-page confirmation; the page then
// shows it Cancelled and the search no longer offers it. Every page is
// checked with axe-core (WCAG 2.0/2.1 A and AA: zero violations) and
// photographed at desktop (1280 px) and phone (360 px) width as
// e2e/screenshots/<nn>-events-<page>-{desktop,phone}.png (numbered from 60).
//
// Env: E2E_BROWSER_EVENT_BUS (stan | jetstream, default stan), ports in ./system.ts.
import type { Browser } from 'playwright-core';
import { Camera, launchBrowser, matchPath, Person, SCREENSHOT_DIR } from './browser';
import { axeViolations, checkPage } from './checks';
import { startBrowserTestSystem, type BrowserTestSystem } from './system';

jest.setTimeout(180000);

const EVENT_BUS = process.env.E2E_BROWSER_EVENT_BUS || 'stan';
const START_TIMEOUT_MS = 15 * 60 * 1000; // a first `next build` on a busy 2-core machine
const EVENT_PAGE = /^\/events\/[0-9a-f]{24}$/;
const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 360, height: 740 } } as const;
const print = (line: string) => process.stdout.write(`${line}\n`);

/** The organizer's clock: a zone east of UTC by a fixed 5:30, so the page must carry the offset to the API. */
const TIME_ZONE = 'Asia/Kolkata';
const ZONE_OFFSET_MINUTES = 330;

const p2 = (n: number) => String(n).padStart(2, '0');

describe(`events in the browser (${EVENT_BUS})`, () => {
  const stamp = Date.now().toString(36);
  const name = `Browser Events Gala ${stamp}`;
  const renamed = `Browser Events Gala ${stamp} (late show)`;
  // A month ahead, 19:30 on the organizer's clock: typed as such, stored as the instant 5:30 earlier in UTC.
  const day = new Date(Date.now() + 30 * 86_400_000);
  const typedDay = `${day.getUTCFullYear()}-${p2(day.getUTCMonth() + 1)}-${p2(day.getUTCDate())}`;
  const typedStart = `${typedDay}T19:30`;
  const startsAt = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), 19, 30) - ZONE_OFFSET_MINUTES * 60_000);

  let sys: BrowserTestSystem | undefined;
  let browser: Browser | undefined;
  let camera: Camera;
  let organizer: Person | undefined;
  let eventPath = '';
  const failed: string[] = [];

  /** Steps build on each other: after a failure the later ones are not attempted. */
  const step = (fn: (me: Person) => Promise<void>) => async () => {
    if (failed.length) throw new Error(`not attempted: an earlier step failed (${failed[0]})`);
    try {
      await fn(organizer!);
    } catch (err) {
      failed.push(expect.getState().currentTestName || 'a step');
      if (organizer) print(`[browser] organizer was at ${organizer.page.url()} → ${await organizer.shot('FAILED').catch(() => '(no screenshot)')}`);
      if (organizer?.problems.length) print(`[browser] page errors:\n${organizer.problems.map((x) => `  ${x.url}: ${x.text}`).join('\n')}`);
      print(`\n[browser] last service log lines:\n${sys ? sys.recentLogs() : '(system not started)'}\n`);
      throw err;
    }
  };

  /**
   * At desktop and at phone width: no axe violation, nothing wider than the
   * screen, and a full-page picture `<nn>-events-<what>-<width>.png`.
   */
  const check = (me: Person, what: string) => checkPage(me.page, camera, 'events', what, WIDTHS);

  async function fillEventForm(me: Person, fields: { name: string; performer: string; venue: string; city: string; startsAt: string; category: string }) {
    const form = me.page.locator('form').filter({ has: me.page.getByLabel('Venue', { exact: true }) });
    await form.getByLabel('Name', { exact: true }).fill(fields.name);
    await form.getByLabel('Performer (optional)', { exact: true }).fill(fields.performer);
    await form.getByLabel('Venue', { exact: true }).fill(fields.venue);
    await form.getByLabel('City', { exact: true }).fill(fields.city);
    await form.getByLabel('Date and time', { exact: true }).fill(fields.startsAt);
    await form.getByLabel('Category', { exact: true }).selectOption(fields.category);
  }

  beforeAll(async () => {
    camera = new Camera(SCREENSHOT_DIR, { first: 60, count: 40 });
    sys = await startBrowserTestSystem({ eventBus: EVENT_BUS, expirationWindowSeconds: 60 });
    browser = await launchBrowser();
    organizer = await Person.open(browser, sys.url, camera, 'organizer', stamp, { timezoneId: TIME_ZONE });
    await organizer.page.setViewportSize(WIDTHS.desktop);
    print(`[browser] chromium ${browser.version()}; screenshots in ${camera.dir}`);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await organizer?.close();
    await browser?.close().catch(() => undefined);
    await sys?.stop();
    if (camera) print(`[browser] ${camera.taken.length} screenshots:\n${camera.taken.map((f) => `  ${f}`).join('\n')}`);
  }, 120000);

  it(
    'signed out: Events is in the header and /events lists and searches',
    step(async (me) => {
      // The check can fail: axe finds an input without a label put on the page.
      await me.goto('/events');
      await me.page.evaluate(() => {
        const doc = (globalThis as unknown as { document: { createElement(t: string): { id: string }; body: { append(e: unknown): void } } }).document;
        const input = doc.createElement('input');
        input.id = 'axe-probe';
        doc.body.append(input);
      });
      expect((await axeViolations(me.page)).map((v) => v.id)).toContain('label');

      await me.goto('/');
      await me.follow('Events', '/events');
      await me.heading('Events').waitFor();
      await me.page.getByRole('search', { name: 'Events' }).waitFor();
      expect(await me.page.getByRole('link', { name: 'Schedule an event' }).count()).toBe(0);
      await check(me, 'list-signed-out');
    }),
  );

  it(
    'an organizer signs up; an empty event form shows each error beside its field',
    step(async (me) => {
      await me.follow('Sign Up', '/auth/signup');
      await me.submitCredentials('Sign Up');
      await me.page.waitForURL((u) => u.pathname === '/');
      await me.waitSignedIn();
      await me.follow('Events', '/events');
      await me.page.getByRole('link', { name: 'Schedule an event' }).click();
      await me.page.waitForURL((u) => u.pathname === '/events/new');
      await me.heading('Schedule an event').waitFor();
      await check(me, 'new');

      await me.button('Create Event').click();
      const expected: Record<string, string> = {
        name: 'Name is required',
        venue: 'Venue is required',
        city: 'City is required',
        startsAt: 'Start time must be in the future',
        category: 'Category is not valid',
      };
      await me.page.locator('.field-error[data-field="name"]').waitFor();
      for (const [field, message] of Object.entries(expected)) {
        const error = me.page.locator(`.field-error[data-field="${field}"]`);
        expect((await error.textContent())?.trim()).toBe(message);
        // Inside its own field's box, with the input marked invalid.
        const control = me.page.locator(`[name="${field}"]`);
        expect(await control.getAttribute('aria-invalid')).toBe('true');
        expect(await me.page.locator('.field', { has: control }).locator('.field-error').count()).toBe(1);
      }
      expect(await me.page.locator('.field-error[data-field="performer"]').count()).toBe(0);
      expect(me.path()).toBe('/events/new');
      await check(me, 'new-errors');
    }),
  );

  it(
    'schedules the event and lands on its page',
    step(async (me) => {
      await fillEventForm(me, {
        name,
        performer: 'The Test Quartet',
        venue: 'Harbour Hall',
        city: 'Lisbon',
        startsAt: typedStart,
        category: 'concert',
      });
      await me.button('Create Event').click();
      await me.page.waitForURL((u) => matchPath(u.pathname, EVENT_PAGE));
      eventPath = me.path();
      await me.heading(name).waitFor();
      const facts = me.page.locator('dl.facts');
      expect(await facts.textContent()).toContain('The Test Quartet');
      expect(await facts.textContent()).toContain('Harbour Hall');
      expect(await facts.textContent()).toContain('Lisbon');
      // The time typed on the organizer's clock is the instant stored, and shown back on that clock.
      expect(await facts.locator('time').getAttribute('datetime')).toBe(startsAt.toISOString());
      await facts.locator('time').filter({ hasText: /7:30\sPM/ }).waitFor();
      expect(await me.page.getByText('Cancelled', { exact: true }).count()).toBe(0);
      await me.page.getByRole('heading', { level: 2, name: 'Tickets for this event' }).waitFor();
      await check(me, 'details-organizer');
    }),
  );

  it(
    'finds it by search (text, category, city, dates) and opens it',
    step(async (me) => {
      await me.follow('Events', '/events');
      const search = me.page.getByRole('search', { name: 'Events' });
      await search.getByLabel('Search', { exact: true }).fill(stamp);
      await search.getByLabel('Category', { exact: true }).selectOption('concert');
      await search.getByLabel('City', { exact: true }).fill('lisbon');
      await search.getByLabel('From', { exact: true }).fill(typedDay);
      await search.getByLabel('To', { exact: true }).fill(typedDay);
      await me.button('Search').click();
      await me.page.waitForURL((u) => u.pathname === '/events' && u.searchParams.get('q') === stamp);
      const rows = me.page.locator('li.row');
      await rows.first().waitFor();
      expect(await rows.count()).toBe(1);
      expect(await rows.first().textContent()).toContain('Harbour Hall');
      expect(await rows.first().textContent()).toContain('Concert');
      await check(me, 'search');

      // Another category finds nothing, and says so.
      await search.getByLabel('Category', { exact: true }).selectOption('sports');
      await me.button('Search').click();
      await me.page.waitForURL((u) => u.searchParams.get('category') === 'sports');
      await me.page.getByText('No upcoming events match this search.').waitFor();

      await me.page.goBack({ waitUntil: 'load' });
      await me.page.getByRole('link', { name, exact: true }).click();
      await me.page.waitForURL((u) => u.pathname === eventPath);
      await me.heading(name).waitFor();
    }),
  );

  it(
    'the organizer edits it',
    step(async (me) => {
      await me.button('Edit event').click();
      const form = me.page.locator('form').filter({ has: me.page.getByLabel('Venue', { exact: true }) });
      // The form starts from the event as it is, its time in the viewer's zone.
      expect(await form.getByLabel('Name', { exact: true }).inputValue()).toBe(name);
      expect(await form.getByLabel('Date and time', { exact: true }).inputValue()).toBe(typedStart);
      await check(me, 'edit');
      await form.getByLabel('Name', { exact: true }).fill(renamed);
      await form.getByLabel('Venue', { exact: true }).fill('Riverside Arena');
      await me.button('Save').click();
      await me.heading(renamed).waitFor();
      await me.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      expect(await me.page.locator('dl.facts').textContent()).toContain('Riverside Arena');
      await me.page.reload({ waitUntil: 'load' });
      await me.heading(renamed).waitFor();
    }),
  );

  it(
    'cancels it through the confirmation; the page shows Cancelled and the search no longer offers it',
    step(async (me) => {
      await me.button('Cancel event').click();
      const confirmation = me.page.getByRole('group', { name: `Cancel “${renamed}”?` });
      await confirmation.waitFor();
      // Focus moves into the confirmation, so keyboard and screen-reader users are there.
      expect(await me.page.evaluate(() => (globalThis as unknown as { document: { activeElement: { id: string } } }).document.activeElement.id)).toBe(
        'cancel-event-title',
      );
      // Not yet cancelled.
      expect(await me.page.getByText('Cancelled', { exact: true }).count()).toBe(0);
      await check(me, 'cancel-confirm');

      // "Keep the event" steps back; asking again and confirming cancels.
      await me.button('Keep the event').click();
      await me.button('Cancel event').click();
      await me.button('Yes, cancel this event').click();
      await me.page.getByText('Cancelled', { exact: true }).waitFor();
      await me.page.getByText('This event has been cancelled.').waitFor();
      expect(await me.button('Edit event').count()).toBe(0);
      expect(await me.button('Cancel event').count()).toBe(0);

      // As the server renders it for anyone.
      await me.page.reload({ waitUntil: 'load' });
      await me.page.locator('.status-event-cancelled').filter({ hasText: 'Cancelled' }).waitFor();
      await check(me, 'cancelled');

      await me.goto(`/events?q=${encodeURIComponent(stamp)}`);
      await me.page.getByText('No upcoming events match this search.').waitFor();
      expect(await me.page.locator('li.row').count()).toBe(0);
    }),
  );

  it('no page threw or logged an error', () => {
    expect(organizer?.problems ?? []).toEqual([]);
  });
});
