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
import { ORDER_PAGE, Person, textOf } from './browser';
import { browserSuite, print } from './suite';
import { EVENT_BUS } from './system';

jest.setTimeout(180000);

describe(`the waiting list in the browser (${EVENT_BUS})`, () => {
  const stamp = Date.now().toString(36);
  const title = `Front row ${stamp}`;

  const suite = browserSuite({ stamp, pictures: 'waitlist', first: 180, count: 20, expirationWindowSeconds: 300 });
  const { step, check, open, people } = suite;
  let seller: Person;
  let holder: Person;
  let waiter: Person;
  let ticketPath = '';
  let holdPath = '';

  beforeAll(async () => {
    seller = await open('seller');
  });

  it(
    'a seller lists one seat and a first buyer holds it',
    step(async () => {
      await seller.signUp();
      ticketPath = await seller.listTicket({ title, quantity: '1', price: '25' });

      holder = await open('holder');
      await holder.signUp();
      holdPath = await holder.placeOrder(ticketPath);
    }),
  );

  it(
    'a second buyer finds it sold out and joins the waiting list: number 1 in line',
    step(async () => {
      waiter = await open('waiter');
      await waiter.signUp();
      await waiter.goto(ticketPath);
      const join = waiter.button('Join the waiting list');
      await waiter.reloadUntil('the listing sold out', async () => (await join.count()) === 1);
      // All-in first: the price with fees is what the panel shows.
      expect(await textOf(waiter.page.locator('.waitlist-join .purchase-total'))).toBe('$28.00 each, incl. fees');
      await check(waiter, 'sold-out');
      await waiter.clickThrough(join, '/waitlist');
      const row = waiter.row(title);
      expect(await textOf(row.locator('.row-sub'))).toBe('1 ticket · Number 1 in line');
      expect(await textOf(row.locator('.status'))).toBe('waiting');
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
      const reloads = await waiter.reloadUntil('the offer', async () => (await textOf(row.locator('.status'))) === 'offered');
      print(`[browser] the offer was on the page after ${reloads} reload(s)`);
      expect(await textOf(row.locator('.waitlist-countdown'))).toMatch(/^(10:00|9:[0-5]\d)$/);
      const buy = waiter.page.getByRole('button', { name: 'Buy your offered seats · $28.00' });
      await buy.waitFor();
      await check(waiter, 'offered');
      await waiter.clickThrough(buy, ORDER_PAGE);
      await waiter.page.getByRole('button', { name: 'Pay with test card' }).waitFor();
      await check(waiter, 'order');

      await waiter.goto('/waitlist');
      expect(await textOf(waiter.row(title).locator('.status'))).toBe('done');
      await check(waiter, 'done');
    }),
  );

  it('no page threw or logged an error', () => {
    expect(people.flatMap((p) => p.problems)).toEqual([]);
  });
});
