// One browser test file's run, as the marketplace and payouts files have it:
// the system and chromium it starts, the people it opens (at desktop width),
// its pages checked at desktop and phone width (checks.ts) under its own
// picture numbers, and steps that build on each other.
import type { Browser } from 'playwright-core';
import { Camera, launchBrowser, Person, SCREENSHOT_DIR } from './browser';
import { checkPage } from './checks';
import { EVENT_BUS, START_TIMEOUT_MS, startBrowserTestSystem, type BrowserTestSystem } from './system';

export const print = (line: string) => process.stdout.write(`${line}\n`);

export const WIDTHS = { desktop: { width: 1280, height: 800 }, phone: { width: 375, height: 740 } } as const;

export interface BrowserSuiteOptions {
  /** Part of every person's email, unique to the run. */
  stamp: string;
  /** The pictures' name after their number: `<nn>-<pictures>-<page>-<width>.png`. */
  pictures: string;
  /** The pictures' numbers: first … first + count - 1. */
  first: number;
  count: number;
  expirationWindowSeconds: number;
}

export class BrowserSuite {
  sys?: BrowserTestSystem;
  browser?: Browser;
  camera?: Camera;
  readonly people: Person[] = [];
  private readonly failed: string[] = [];

  constructor(private readonly options: BrowserSuiteOptions) {}

  async start(): Promise<void> {
    this.camera = new Camera(SCREENSHOT_DIR, { first: this.options.first, count: this.options.count });
    this.sys = await startBrowserTestSystem({ eventBus: EVENT_BUS, expirationWindowSeconds: this.options.expirationWindowSeconds });
    this.browser = await launchBrowser();
    print(`[browser] chromium ${this.browser.version()}; screenshots in ${this.camera.dir}`);
  }

  async stop(): Promise<void> {
    for (const p of this.people) await p.close();
    await this.browser?.close().catch(() => undefined);
    await this.sys?.stop();
    if (this.camera) print(`[browser] ${this.camera.taken.length} screenshots:\n${this.camera.taken.map((f) => `  ${f}`).join('\n')}`);
  }

  /** Steps build on each other: after a failure the later ones are not attempted. */
  readonly step = (fn: () => Promise<void>) => async () => {
    if (this.failed.length) throw new Error(`not attempted: an earlier step failed (${this.failed[0]})`);
    try {
      await fn();
    } catch (err) {
      this.failed.push(expect.getState().currentTestName || 'a step');
      for (const p of this.people) print(`[browser] ${p.name} was at ${p.page.url()} → ${await p.shot('FAILED').catch(() => '(no screenshot)')}`);
      const problems = this.people.flatMap((p) => p.problems);
      if (problems.length) print(`[browser] page errors:\n${problems.map((x) => `  ${x.who} ${x.url}: ${x.text}`).join('\n')}`);
      print(`\n[browser] last service log lines:\n${this.sys ? this.sys.recentLogs() : '(system not started)'}\n`);
      throw err;
    }
  };

  /** A person with a browser context of their own, at desktop width. */
  readonly open = async (name: string): Promise<Person> => {
    const person = await Person.open(this.browser!, this.sys!.url, this.camera!, name, this.options.stamp);
    await person.page.setViewportSize(WIDTHS.desktop);
    this.people.push(person);
    return person;
  };

  /** The page the person is at, checked and photographed at each width. */
  readonly check = (me: Person, what: string) => checkPage(me.page, this.camera!, this.options.pictures, what, WIDTHS);
}

/** A run for the calling describe: started before its tests, stopped after them. */
export function browserSuite(options: BrowserSuiteOptions): BrowserSuite {
  const suite = new BrowserSuite(options);
  beforeAll(() => suite.start(), START_TIMEOUT_MS);
  afterAll(() => suite.stop(), 120000);
  return suite;
}
