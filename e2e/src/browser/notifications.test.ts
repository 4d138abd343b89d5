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
import { Person, textOf, typedDateTime } from './browser';
import { browserSuite, print } from './suite';
import { EVENT_BUS } from './system';

jest.setTimeout(180000);

describe(`notifications in the browser (${EVENT_BUS})`, () => {
  const stamp = Date.now().toString(36);
  const eventName = `Bell Night ${stamp}`;
  const title = `Balcony ${stamp}`;

  const suite = browserSuite({ stamp, pictures: 'notifications', first: 162, count: 20, expirationWindowSeconds: 120 });
  const { step, check, open, people } = suite;
  let seller: Person;
  let buyer: Person;
  let eventPath = '';
  let ticketPath = '';

  /** The header's bell: its accessible name carries the unread count. */
  const bell = (person: Person) => person.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Notifications/ });
  const bellSays = async (person: Person, unread: number) =>
    // Once the bell has read the count (data-unread), after the page loaded.
    (await person.page.locator('a.bell[data-unread]').waitFor({ timeout: 10000 }).then(() => true, () => false)) &&
    (await bell(person).getAttribute('aria-label')) === (unread ? `Notifications, ${unread} unread` : 'Notifications') &&
    (unread ? (await textOf(bell(person).locator('.bell-count'))) === String(unread) : (await bell(person).locator('.bell-count').count()) === 0);

  it(
    'a buyer watches an event at a price: the event page confirms it, My watches lists it, the bell shows nothing yet',
    step(async () => {
      seller = await open('seller');
      await seller.signUp();
      eventPath = await seller.scheduleEvent({ name: eventName, venue: 'Quay Theatre', city: 'Porto', startsAt: typedDateTime(30, '20:00') });

      buyer = await open('buyer');
      await buyer.signUp();
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
      expect(await textOf(watching)).toContain('$30.00 all-in');
      await check(buyer, 'watching');

      await watching.getByRole('link', { name: 'My watches' }).click();
      await buyer.page.waitForURL((u) => u.pathname === '/watches');
      await buyer.heading('My watches').waitFor();
      const row = buyer.page.locator('li.watch-row');
      expect(await row.count()).toBe(1);
      expect(await textOf(row.getByRole('link'))).toBe(eventName);
      expect(await textOf(row.locator('.row-sub'))).toBe('At or under $30.00 all-in');
      await check(buyer, 'my-watches');
    }),
  );

  it(
    'the seller lists seats within the price: the buyer\'s bell shows 1; the buyer buys one: the bell shows 2',
    step(async () => {
      ticketPath = await seller.listTicket({ title, quantity: '2', price: '25' }, eventPath);

      await buyer.goto('/events');
      const alerted = await buyer.reloadUntil('the bell at 1', () => bellSays(buyer, 1));
      print(`[browser] the buyer's bell showed the price alert after ${alerted} reload(s)`);

      await buyer.placeOrder(ticketPath);
      await buyer.payWithTestCard();
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
      expect(await textOf(items.nth(0).locator('.row-title'))).toBe(`Unread: Your order of 1 ticket for ${title} is paid ($28.00). Enjoy the show!`);
      expect(await textOf(items.nth(1).locator('.row-title'))).toBe(`Unread: Tickets for ${eventName} are available at $28.00 all-in, within your price.`);
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
      expect(await textOf(items.nth(0).locator('.row-title'))).toBe(`Unread: You sold 1 ticket for ${title}. Your payout follows after the event.`);
      await check(seller, 'seller-inbox');
    }),
  );

  it('no page threw or logged an error', () => {
    expect(people.flatMap((p) => p.problems)).toEqual([]);
  });
});
