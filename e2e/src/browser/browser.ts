// A person at a browser: Debian's chromium driven by playwright-core (never a
// downloaded browser), one browser context (own cookies) per person, and a
// full-page screenshot of every page visited, numbered in visiting order,
// under e2e/screenshots/ (git-ignored).
import fs from 'fs';
import path from 'path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

export const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve(__dirname, '..', '..', 'screenshots');

/** The client's pages of one event, one listing, one order. */
export const EVENT_PAGE = /^\/events\/[0-9a-f]{24}$/;
export const TICKET_PAGE = /^\/tickets\/[0-9a-f]{24}$/;
export const ORDER_PAGE = /^\/orders\/[0-9a-f]{24}$/;

/** The text a person reads in an element: its content with white space folded. */
export const textOf = async (locator: Locator) => ((await locator.textContent()) ?? '').replace(/\s+/g, ' ').trim();

/** What a person types into a date-and-time field for `days` days from today at `time` (`HH:MM`, their own clock). */
export function typedDateTime(days: number, time: string): string {
  const day = new Date(Date.now() + days * 86_400_000);
  const p2 = (n: number) => String(n).padStart(2, '0');
  return `${day.getFullYear()}-${p2(day.getMonth() + 1)}-${p2(day.getDate())}T${time}`;
}

export function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (bash scripts/infra.sh install chromium, or apt-get install chromium)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/**
 * Numbers the screenshots of one test file: 01-..., 02-... A file sharing the
 * folder with another numbers from its own `first` (e.g. 60-...), so each
 * replaces only its own pictures (numbers first … first + count - 1).
 */
export class Camera {
  private n: number;
  readonly taken: string[] = [];

  constructor(
    readonly dir = SCREENSHOT_DIR,
    { first = 1, count = 50 }: { first?: number; count?: number } = {},
  ) {
    this.n = first - 1;
    fs.mkdirSync(dir, { recursive: true });
    // This run's pictures only.
    for (const f of fs.readdirSync(dir)) {
      const number = Number(/^(\d+)-.*\.png$/.exec(f)?.[1] ?? NaN);
      if (number >= first && number < first + count) fs.rmSync(path.join(dir, f), { force: true });
    }
  }

  async shoot(page: Page, name: string): Promise<string> {
    this.n += 1;
    const file = `${String(this.n).padStart(2, '0')}-${name.replace(/[^a-z0-9-]+/gi, '-').toLowerCase()}.png`;
    await page.screenshot({ path: path.join(this.dir, file), fullPage: true });
    this.taken.push(file);
    return file;
  }
}

/** Problems a page reported by itself: uncaught exceptions and console errors. */
export interface PageProblem {
  who: string;
  url: string;
  text: string;
}

export class Person {
  readonly context: BrowserContext;
  readonly page: Page;
  readonly problems: PageProblem[] = [];

  private constructor(
    readonly name: string,
    context: BrowserContext,
    page: Page,
    readonly camera: Camera,
    readonly email: string,
    readonly password: string,
  ) {
    this.context = context;
    this.page = page;
    page.on('pageerror', (err) => this.problems.push({ who: name, url: page.url(), text: `uncaught: ${err.message}` }));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // The browser's own line for an HTTP error answer (the page shows the
      // API's message itself, which the tests check).
      if (/^Failed to load resource: the server responded with a status of/.test(msg.text())) return;
      this.problems.push({ who: name, url: page.url(), text: `console.error: ${msg.text()}` });
    });
  }

  /** `timezoneId` (e.g. `Asia/Kolkata`): the person's clock runs in that zone instead of the machine's. */
  static async open(browser: Browser, origin: string, camera: Camera, name: string, stamp: string, { timezoneId }: { timezoneId?: string } = {}): Promise<Person> {
    const context = await browser.newContext({ baseURL: origin, viewport: { width: 1100, height: 800 }, ...(timezoneId ? { timezoneId } : {}) });
    context.setDefaultTimeout(15000);
    context.setDefaultNavigationTimeout(30000);
    const page = await context.newPage();
    return new Person(name, context, page, camera, `${name}-${stamp}@example.com`, 'pass-1234');
  }

  /** A full-page picture of where this person is now: `<nn>-<person>-<what>.png`. */
  shot(what: string): Promise<string> {
    return this.camera.shoot(this.page, `${this.name}-${what}`);
  }

  /** The path part of the current address (`/orders/abc`). */
  path(): string {
    return new URL(this.page.url()).pathname;
  }

  async goto(pathname: string): Promise<void> {
    await this.page.goto(pathname, { waitUntil: 'load' });
  }

  button(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }

  /** A link in the site header. */
  navLink(name: string): Locator {
    return this.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });
  }

  heading(name: string | RegExp): Locator {
    return this.page.getByRole('heading', { level: 1, name });
  }

  /** Clicks a header link and waits for the page it leads to. */
  async follow(link: string, expectedPath: string | RegExp): Promise<void> {
    await this.navLink(link).click();
    await this.page.waitForURL((u) => matchPath(u.pathname, expectedPath));
  }

  /** Fills the sign-up / sign-in form on the current page and submits it. */
  async submitCredentials(button: 'Sign Up' | 'Sign In', email = this.email, password = this.password): Promise<void> {
    await this.page.getByLabel('Email', { exact: true }).fill(email);
    await this.page.getByLabel('Password', { exact: true }).fill(password);
    await this.button(button).click();
  }

  /**
   * Clicks a button that should take the person to another page and waits
   * for it; if the page shows an error instead, fails with that error's text.
   */
  async clickThrough(button: Locator, to: string | RegExp): Promise<void> {
    await button.click();
    const errors = this.page.locator('[role="alert"], .field-error');
    const outcome = await Promise.race([
      this.page.waitForURL((u) => matchPath(u.pathname, to), { timeout: 30000 }).then(() => 'arrived' as const),
      errors.first().waitFor({ timeout: 30000 }).then(() => 'error' as const),
    ]);
    if (outcome === 'error') {
      const text = (await errors.allTextContents()).join(' | ');
      throw new Error(`${this.name} clicked "${await button.textContent()}" at ${this.path()} and got an error instead of ${to}: ${text}`);
    }
  }

  /** Signs up from the home page's header link with this person's email and password, and is back home signed in. */
  async signUp(): Promise<void> {
    await this.goto('/');
    await this.follow('Sign Up', '/auth/signup');
    await this.submitCredentials('Sign Up');
    await this.page.waitForURL((u) => u.pathname === '/');
    await this.waitSignedIn();
  }

  /** Schedules a concert through the new-event form (`startsAt` as typed, see typedDateTime); returns the event page's path. */
  async scheduleEvent(event: { name: string; venue: string; city: string; startsAt: string }): Promise<string> {
    await this.goto('/events/new');
    const form = this.page.locator('form');
    await form.getByLabel('Name', { exact: true }).fill(event.name);
    await form.getByLabel('Venue', { exact: true }).fill(event.venue);
    await form.getByLabel('City', { exact: true }).fill(event.city);
    await form.getByLabel('Date and time', { exact: true }).fill(event.startsAt);
    await form.getByLabel('Category', { exact: true }).selectOption('concert');
    await this.clickThrough(this.button('Create Event'), EVENT_PAGE);
    return this.path();
  }

  /**
   * Lists seats through the new-listing form, for the event at `eventPath`
   * when given (section and row only when given); returns the listing page's path.
   */
  async listTicket(listing: { title: string; quantity: string; price: string; section?: string; row?: string }, eventPath?: string): Promise<string> {
    await this.goto(eventPath ? `/tickets/new?eventId=${eventPath.split('/').pop()}` : '/tickets/new');
    await this.page.getByLabel('Title', { exact: true }).fill(listing.title);
    await this.page.getByLabel('Number of tickets', { exact: true }).selectOption(listing.quantity);
    await this.page.getByLabel('Price (USD)', { exact: true }).fill(listing.price);
    if (listing.section) await this.page.getByLabel('Section (optional)', { exact: true }).fill(listing.section);
    if (listing.row) await this.page.getByLabel('Row (optional)', { exact: true }).fill(listing.row);
    await this.clickThrough(this.button('Create Ticket'), TICKET_PAGE);
    return this.path();
  }

  /** Opens a listing and orders from it (`quantity` seats, else the picker as it stands); returns the order page's path. */
  async placeOrder(ticketPath: string, quantity?: string): Promise<string> {
    await this.goto(ticketPath);
    if (quantity) await this.page.getByLabel('Quantity', { exact: true }).selectOption(quantity);
    await this.clickThrough(this.button('Purchase'), ORDER_PAGE);
    return this.path();
  }

  /** Pays for the order on the page with the test card, and is taken to My Orders. */
  async payWithTestCard(): Promise<void> {
    await this.clickThrough(this.button('Pay with test card'), '/orders');
  }

  /** Waits until the header says this person is signed in (the Sign Out link is there). */
  async waitSignedIn(): Promise<void> {
    await this.navLink('Sign Out').waitFor();
    const shown = await this.page.locator('.nav-user').textContent();
    if (shown?.trim() !== this.email) throw new Error(`${this.name}: header shows "${shown}", expected ${this.email}`);
  }

  /** A row (ticket or order) of a list, found by the title its link carries. */
  row(title: string): Locator {
    return this.page.locator('li.row').filter({ has: this.page.getByRole('link', { name: title, exact: true }) });
  }

  /**
   * Reloads until `check` passes (a person pressing F5 while the system
   * catches up with an event), at most `timeoutMs`. Returns the reloads used.
   */
  async reloadUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (let reloads = 0; ; reloads++) {
      if (await check()) return reloads;
      if (Date.now() > deadline) throw new Error(`${this.name}: ${what} not seen after ${reloads} reloads in ${timeoutMs / 1000}s (at ${this.page.url()})`);
      await this.page.waitForTimeout(750);
      await this.page.reload({ waitUntil: 'load' });
    }
  }

  async close(): Promise<void> {
    await this.context.close().catch(() => undefined);
  }
}

export function matchPath(pathname: string, expected: string | RegExp): boolean {
  return typeof expected === 'string' ? pathname === expected : expected.test(pathname);
}
