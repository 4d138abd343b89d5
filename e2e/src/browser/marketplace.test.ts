// The marketplace of version 2 in a real browser (Debian's chromium via
// playwright-core), against the whole system: a seller schedules an event,
// lists 4 seats in pairs at $25 (buyers pay $28.00 each, fees included) and 2
// seats at $40 for it (then edited to $38); a buyer sees the event's listings cheapest first, the
// all-in price first on every page, opens the cheaper one, is offered only 2
// or 4 seats, buys 2, sees the breakdown (2 × $25.00, 2 × $3.00 fees, total
// $56.00) before paying with the test card, and the listing then has 2 seats
// left. Every new or changed page is checked with axe-core (WCAG 2.0/2.1 A
// and AA: zero violations) and for horizontal overflow at 1280 px and 375 px
// wide, and photographed as e2e/screenshots/<nn>-marketplace-<page>-{desktop,phone}.png
// (numbered from 100).
//
// Env: E2E_BROWSER_EVENT_BUS (stan | jetstream, default stan), ports in ./system.ts.
import { ORDER_PAGE, Person, textOf, TICKET_PAGE, typedDateTime } from './browser';
import { browserSuite, print } from './suite';
import { EVENT_BUS } from './system';

jest.setTimeout(180000);

describe(`the marketplace in the browser (${EVENT_BUS})`, () => {
  const stamp = Date.now().toString(36);
  const eventName = `Browser Market Night ${stamp}`;
  // At the default fees (10% + $0.50): $25 → $3.00 fee, $28.00 all-in; $40 → $4.50, $44.50; $38 → $4.30, $42.30.
  const pairs = { title: `Floor pairs ${stamp}`, price: '25', section: '101', row: 'F' };
  const dearer = { title: `Balcony ${stamp}`, price: '40', section: 'B2', row: 'A' };

  // Pictures 100–121 (122 on: payouts.test.ts).
  const suite = browserSuite({ stamp, pictures: 'marketplace', first: 100, count: 22, expirationWindowSeconds: 120 });
  const { step, check, open } = suite;
  let seller: Person;
  let buyer: Person;
  let eventPath = '';
  let pairsPath = '';
  let orderPath = '';

  /** The listing form, filled in (the event is already chosen). */
  async function fillListing(listing: { title: string; price: string; section: string; row: string }, quantity: string, split: string) {
    const page = seller.page;
    await page.getByLabel('Title', { exact: true }).fill(listing.title);
    await page.getByLabel('Number of tickets', { exact: true }).selectOption(quantity);
    await page.getByLabel('Section (optional)', { exact: true }).fill(listing.section);
    await page.getByLabel('Row (optional)', { exact: true }).fill(listing.row);
    await page.getByRole('group', { name: 'How may buyers split them?' }).getByRole('radio', { name: split, exact: true }).check();
    await page.getByLabel('Price (USD)', { exact: true }).fill(listing.price);
  }

  beforeAll(async () => {
    seller = await open('seller');
  });

  it(
    'a seller schedules an event; its page has no listings yet and offers to sell tickets for it',
    step(async () => {
      await seller.signUp();
      eventPath = await seller.scheduleEvent({ name: eventName, venue: 'Harbour Hall', city: 'Lisbon', startsAt: typedDateTime(30, '20:00') });
      await seller.heading(eventName).waitFor();
      await seller.page.getByText('No tickets are listed for this event yet.').waitFor();
      await check(seller, 'event-no-listings');
    }),
  );

  it(
    'lists 4 seats in pairs at $25 for it: the form explains each split rule and previews $28.00 all-in; an odd number in pairs is refused',
    step(async () => {
      await seller.page.getByRole('link', { name: 'Sell tickets for this event' }).click();
      await seller.page.waitForURL((u) => u.pathname === '/tickets/new');
      await seller.heading('Sell a ticket').waitFor();
      // The event it came from is chosen.
      expect(await seller.page.getByLabel('Event (optional)', { exact: true }).inputValue()).toBe(eventPath.split('/').pop());
      // Each rule is explained beside its choice, in plain words.
      const splits = seller.page.getByRole('group', { name: 'How may buyers split them?' });
      for (const [rule, explained] of [
        ['Any number', 'even just one'],
        ['In pairs', 'must be even'],
        ['Never leave one seat alone', 'exactly one seat is not left over'],
        ['All together', 'every remaining seat'],
      ]) {
        expect(await textOf(splits.locator('.choice').filter({ has: seller.page.getByRole('radio', { name: rule, exact: true }) }).locator('.choice-hint'))).toContain(explained);
      }
      await fillListing(pairs, '3', 'In pairs');
      expect(await textOf(seller.page.locator('.fee-preview'))).toBe('Buyers pay $28.00 each, incl. fees ($25.00 + $3.00 fee).');
      await check(seller, 'listing-new');

      await seller.button('Create Ticket').click();
      await seller.page.getByText('Quantity must be even for pairs').waitFor();
      expect(seller.path()).toBe('/tickets/new');
      await check(seller, 'listing-new-errors');

      await seller.page.getByLabel('Number of tickets', { exact: true }).selectOption('4');
      await seller.clickThrough(seller.button('Create Ticket'), TICKET_PAGE);
      pairsPath = seller.path();
      await seller.heading(pairs.title).waitFor();
      expect(await textOf(seller.page.locator('.ticket-price .all-in'))).toBe('$28.00 each, incl. fees');
      expect(await textOf(seller.page.locator('.ticket-price .price-before-fees'))).toBe('$25.00 + $3.00 fee');
      expect(await textOf(seller.page.locator('.seats-available'))).toBe('4 of 4 tickets');
      expect(await textOf(seller.page.locator('.ticket-event a'))).toBe(eventName);
      // The owner edits; only others purchase.
      await seller.button('Save').waitFor();
      expect(await seller.button('Purchase').count()).toBe(0);
      await check(seller, 'listing-owner');
    }),
  );

  it(
    'lists 2 dearer seats for the same event afterwards, then edits their price to $38 ($42.30 all-in)',
    step(async () => {
      await seller.goto(`/tickets/new?eventId=${eventPath.split('/').pop()}`);
      await fillListing(dearer, '2', 'Any number');
      expect(await textOf(seller.page.locator('.fee-preview'))).toBe('Buyers pay $44.50 each, incl. fees ($40.00 + $4.50 fee).');
      await seller.clickThrough(seller.button('Create Ticket'), TICKET_PAGE);
      await seller.heading(dearer.title).waitFor();

      // The owner's edit starts from the listing as it is, its event included.
      expect(await seller.page.getByLabel('Event (optional)', { exact: true }).inputValue()).toBe(eventPath.split('/').pop());
      expect(await seller.page.getByLabel('Number of tickets', { exact: true }).inputValue()).toBe('2');
      expect(await seller.page.getByLabel('Section (optional)', { exact: true }).inputValue()).toBe(dearer.section);
      await seller.page.getByLabel('Price (USD)', { exact: true }).fill('38');
      expect(await textOf(seller.page.locator('.fee-preview'))).toBe('Buyers pay $42.30 each, incl. fees ($38.00 + $4.30 fee).');
      await seller.button('Save').click();
      await seller.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      expect(await textOf(seller.page.locator('.ticket-price .all-in'))).toBe('$42.30 each, incl. fees');
      expect(await textOf(seller.page.locator('.ticket-price .price-before-fees'))).toBe('$38.00 + $4.30 fee');
    }),
  );

  it(
    'a buyer sees the event’s listings cheapest first, all-in price first',
    step(async () => {
      buyer = await open('buyer');
      await buyer.signUp();
      await buyer.follow('Events', '/events');
      await buyer.page.getByRole('search', { name: 'Events' }).getByLabel('Search', { exact: true }).fill(stamp);
      await buyer.button('Search').click();
      await buyer.page.getByRole('link', { name: eventName, exact: true }).click();
      await buyer.page.waitForURL((u) => u.pathname === eventPath);
      // Listings reach the event page once the tickets service has them (newest first would put the dearer one on top).
      const rows = buyer.page.locator('.event-listings li.row');
      await buyer.reloadUntil('both listings on the event page', async () => (await rows.count()) === 2);
      expect(await rows.locator('.row-title').allTextContents()).toEqual([pairs.title, dearer.title]);
      expect(await textOf(rows.nth(0).locator('.all-in'))).toBe('$28.00 each, incl. fees');
      expect(await textOf(rows.nth(0).locator('.price-before-fees'))).toBe('$25.00 + $3.00 fee');
      expect(await textOf(rows.nth(0).locator('.row-sub'))).toBe('Section 101 · Row F · 4 tickets available');
      expect(await textOf(rows.nth(1).locator('.all-in'))).toBe('$42.30 each, incl. fees');
      await check(buyer, 'event-listings');
    }),
  );

  it(
    'opens the pairs listing: the quantity picker offers only 2 and 4, and totals the choice with fees',
    step(async () => {
      await buyer.page.getByRole('link', { name: pairs.title, exact: true }).click();
      await buyer.page.waitForURL((u) => u.pathname === pairsPath);
      await buyer.heading(pairs.title).waitFor();
      expect(await textOf(buyer.page.locator('.ticket-price .all-in'))).toBe('$28.00 each, incl. fees');
      const quantity = buyer.page.getByLabel('Quantity', { exact: true });
      expect(await quantity.locator('option').allTextContents()).toEqual(['2', '4']);
      await buyer.page.getByText('The seller sells these two at a time.').waitFor();
      expect(await textOf(buyer.page.locator('.purchase-total'))).toBe('Total $56.00 for 2 tickets, incl. fees');
      await quantity.selectOption('4');
      expect(await textOf(buyer.page.locator('.purchase-total'))).toBe('Total $112.00 for 4 tickets, incl. fees');
      await quantity.selectOption('2');
      await check(buyer, 'listing-buyer');
    }),
  );

  it(
    'buys 2: the order shows the breakdown (2 × $25.00, $3.00 fee each, total $56.00) before paying',
    step(async () => {
      await buyer.clickThrough(buyer.button('Purchase'), ORDER_PAGE);
      orderPath = buyer.path();
      await buyer.heading(pairs.title).waitFor();
      await buyer.page.getByRole('timer').waitFor();
      expect(await textOf(buyer.page.locator('.price-total'))).toBe('$56.00');
      expect(await textOf(buyer.page.locator('.order-total-sub'))).toBe('2 tickets × $28.00 each, incl. fees');
      const breakdown = buyer.page.getByRole('table', { name: 'How the total adds up' });
      const cells = async (name: string) => (await breakdown.getByRole('row', { name: new RegExp(`^${name}`) }).locator('th, td').allTextContents()).map((c) => c.trim());
      expect(await cells('Tickets')).toEqual(['Tickets', '2 × $25.00', '$50.00']);
      expect(await cells('Fees')).toEqual(['Fees', '2 × $3.00', '$6.00']);
      expect(await cells('Total')).toEqual(['Total', '$56.00']);
      await buyer.button('Pay with test card').waitFor();
      await check(buyer, 'order');
    }),
  );

  it(
    'pays with the test card; My Orders shows the order complete with its total',
    step(async () => {
      await buyer.clickThrough(buyer.button('Pay with test card'), '/orders');
      await buyer.heading('My Orders').waitFor();
      const row = buyer.row(pairs.title);
      const reloads = await buyer.reloadUntil(`${pairs.title} complete`, async () => (await row.count()) === 1 && (await textOf(row.locator('.status'))) === 'complete');
      if (reloads) print(`[browser] My Orders showed the paid order as complete after ${reloads} reload(s)`);
      expect(await textOf(row.locator('.order-row-total'))).toBe('$56.00 total');
      expect(await textOf(row.locator('.row-sub'))).toBe('2 tickets');
      await check(buyer, 'orders');

      await row.getByRole('link').click();
      await buyer.page.waitForURL((u) => u.pathname === orderPath);
      await buyer.page.getByText('Paid. These tickets are yours.').waitFor();
      expect(await textOf(buyer.page.locator('.price-total'))).toBe('$56.00');
      expect(await buyer.button('Pay with test card').count()).toBe(0);
      await check(buyer, 'order-paid');
    }),
  );

  it(
    'the listing has 2 seats left, offered only as the pair; the home page shows all-in prices first',
    step(async () => {
      await buyer.goto(pairsPath);
      await buyer.reloadUntil('2 seats left', async () => (await textOf(buyer.page.locator('.seats-available'))) === '2 of 4 tickets');
      // Two left in pairs: only both, so no choice to make.
      expect(await buyer.page.getByLabel('Quantity', { exact: true }).count()).toBe(0);
      expect(await textOf(buyer.page.locator('.quantity-fixed'))).toBe('Quantity 2 tickets');

      await buyer.goto(`/?q=${encodeURIComponent(stamp)}`);
      const row = buyer.row(pairs.title);
      await row.waitFor();
      expect(await textOf(row.locator('.all-in'))).toBe('$28.00 each, incl. fees');
      expect(await textOf(row.locator('.row-sub'))).toBe('Section 101 · Row F · 2 tickets available');
      expect(await textOf(buyer.row(dearer.title).locator('.all-in'))).toBe('$42.30 each, incl. fees');
      await check(buyer, 'home');
    }),
  );

  it(
    'the seller’s My Tickets shows what is left and what was sold',
    step(async () => {
      await seller.follow('My Tickets', '/tickets/mine');
      const row = seller.row(pairs.title);
      await seller.reloadUntil('2 sold', async () => (await row.count()) === 1 && (await textOf(row.locator('.row-sub'))).includes('2 sold'));
      expect(await textOf(row.locator('.row-sub'))).toBe('Section 101 · Row F · 2 of 4 available · 2 sold');
      expect(await textOf(row.locator('.price-before-fees'))).toBe('buyers pay $28.00');
      await check(seller, 'my-tickets');
    }),
  );

  it('no page threw or logged an error', () => {
    expect(suite.people.flatMap((p) => p.problems)).toEqual([]);
  });
});
