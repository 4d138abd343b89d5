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
import { ORDER_PAGE, Person, textOf, TICKET_PAGE, typedDateTime } from './browser';
import { browserSuite, print } from './suite';
import { EVENT_BUS } from './system';

jest.setTimeout(180000);

describe(`payouts and refunds in the browser (${EVENT_BUS})`, () => {
  const stamp = Date.now().toString(36);
  const eventName = `Browser Payout Night ${stamp}`;
  const title = `Stalls ${stamp}`;

  // Pictures 122–149, after the marketplace's.
  const suite = browserSuite({ stamp, pictures: 'payouts', first: 122, count: 28, expirationWindowSeconds: 120 });
  const { step, check, open } = suite;
  let seller: Person;
  let buyer: Person;
  let eventPath = '';
  let orderPath = '';

  beforeAll(async () => {
    seller = await open('seller');
  });

  it(
    'a seller opens Payouts from the header: no payouts yet, and payouts to set up',
    step(async () => {
      await seller.signUp();
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
      if (outcome === 'error') throw new Error(`set up payouts failed: ${await textOf(seller.page.getByRole('alert'))}`);
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
      eventPath = await seller.scheduleEvent({ name: eventName, venue: 'Quay Theatre', city: 'Porto', startsAt: typedDateTime(30, '20:00') });

      await seller.goto(`/tickets/new?eventId=${eventPath.split('/').pop()}`);
      await seller.page.getByLabel('Title', { exact: true }).fill(title);
      await seller.page.getByLabel('Number of tickets', { exact: true }).selectOption('1');
      await seller.page.getByLabel('Price (USD)', { exact: true }).fill('25');
      await seller.clickThrough(seller.button('Create Ticket'), TICKET_PAGE);
      const ticketPath = seller.path();

      buyer = await open('buyer');
      await buyer.signUp();
      await buyer.goto(ticketPath);
      await buyer.clickThrough(buyer.button('Purchase'), ORDER_PAGE);
      orderPath = buyer.path();
      await buyer.clickThrough(buyer.button('Pay with test card'), '/orders');
      const row = buyer.row(title);
      await buyer.reloadUntil(`${title} complete`, async () => (await row.count()) === 1 && (await textOf(row.locator('.status'))) === 'complete');

      // The seller's payout for it: $25.00 (the buyer's fee is the platform's), waiting for its release date.
      await seller.goto('/payouts');
      const payout = seller.page.locator('li.payout-row');
      await seller.reloadUntil('the payout', async () => (await payout.count()) === 1);
      expect(await textOf(payout.locator('.payout-amount'))).toBe('$25.00');
      expect(await textOf(payout.locator('.status'))).toBe('pending');
      expect(await textOf(payout.locator('.payout-order'))).toBe(orderPath.split('/').pop());
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
      const reloads = await buyer.reloadUntil('the order refunded', async () => (await textOf(buyer.page.locator('.status'))) === 'Cancelled — refunded');
      print(`[browser] the buyer's order read "Cancelled — refunded" after ${reloads} reload(s)`);
      expect(await textOf(buyer.page.locator('.order-refunded'))).toBe(
        'The event was cancelled, so this order was cancelled and its total of $28.00 went back to the card it was paid with.',
      );
      expect(await buyer.button('Pay with test card').count()).toBe(0);
      await check(buyer, 'order-refunded');

      await buyer.goto('/orders');
      expect(await textOf(buyer.row(title).locator('.status'))).toBe('Cancelled — refunded');

      await seller.goto('/payouts');
      const payout = seller.page.locator('li.payout-row');
      await seller.reloadUntil('the payout cancelled', async () => (await textOf(payout.locator('.status'))) === 'cancelled');
      expect(await textOf(payout.locator('.row-sub'))).toContain('Not paid: the event was cancelled');
      await check(seller, 'cancelled');
    }),
  );

  it('no page threw or logged an error', () => {
    expect(suite.people.flatMap((p) => p.problems)).toEqual([]);
  });
});
