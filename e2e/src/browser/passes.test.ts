// Tickets delivered, in a real browser against the whole system: an
// organizer schedules an event and lists 2 seats; a buyer buys and pays for
// both, opens My Passes from the header and sees a QR code per seat; sends
// one to a friend, whose My Passes then shows it (the buyer's copy void);
// the organizer types the friend's code at the gate: Admitted, then Refused
// (Pass already used). Every page is checked with axe-core (WCAG 2.0/2.1 A
// and AA: zero violations) and for horizontal overflow at 1280 px and 375 px,
// and photographed as e2e/screenshots/<nn>-passes-<page>-{desktop,phone}.png
// (numbered from 140).
//
// Env: E2E_BROWSER_EVENT_BUS (stan | jetstream, default stan), ports in ./system.ts.
import { Person, textOf, typedDateTime } from './browser';
import { browserSuite, print } from './suite';
import { EVENT_BUS } from './system';

jest.setTimeout(180000);

describe(`passes in the browser (${EVENT_BUS})`, () => {
  const stamp = Date.now().toString(36);
  const eventName = `Browser Gate Night ${stamp}`;
  const title = `Balcony ${stamp}`;

  const suite = browserSuite({ stamp, pictures: 'passes', first: 140, count: 20, expirationWindowSeconds: 120 });
  const { step, check, open, people } = suite;
  let organizer: Person;
  let buyer: Person;
  let friend: Person;
  let friendCode = '';

  const passCards = (person: Person) => person.page.getByRole('list', { name: 'My passes' }).locator('li.pass');

  beforeAll(async () => {
    organizer = await open('organizer');
  });

  it(
    'a buyer pays for 2 seats, opens My Passes from the header and sees a QR code per seat',
    step(async () => {
      await organizer.signUp();
      const eventPath = await organizer.scheduleEvent({ name: eventName, venue: 'Harbour Hall', city: 'Lisbon', startsAt: typedDateTime(30, '20:00') });
      const ticketPath = await organizer.listTicket({ title, quantity: '2', price: '25', section: 'C', row: '4' }, eventPath);

      buyer = await open('buyer');
      await buyer.signUp();
      await buyer.placeOrder(ticketPath, '2');
      await buyer.payWithTestCard();
      const paidAt = Date.now();

      await buyer.follow('My Passes', '/passes');
      await buyer.heading('My passes').waitFor();
      const reloads = await buyer.reloadUntil('2 passes', async () => (await passCards(buyer).count()) === 2);
      print(`[browser] My Passes showed both passes ${Date.now() - paidAt} ms after paying (${reloads} reload(s))`);
      const cards = passCards(buyer);
      for (let i = 0; i < 2; i += 1) {
        const card = cards.nth(i);
        expect(await textOf(card.locator('.pass-title'))).toBe(eventName);
        expect(await textOf(card.locator('.pass-seat'))).toBe(`Section C · Row 4 · Seat ${i + 1}`);
        expect(await textOf(card.locator('.status'))).toBe('valid');
        await card.getByRole('img', { name: `QR code of the pass for ${eventName}, Section C · Row 4 · Seat ${i + 1}` }).waitFor();
        expect(await card.locator('svg.pass-qr path').getAttribute('d')).toMatch(/^M\d/);
      }
      await buyer.button('Print my passes').waitFor();
      await check(buyer, 'my-passes');
    }),
  );

  it(
    'sends one to a friend: the buyer\'s copy is void, the friend\'s My Passes shows it with a new code',
    step(async () => {
      friend = await open('friend');
      await friend.signUp();
      const card = passCards(buyer).first();
      const oldCode = (await textOf(card.locator('.pass-code-text'))).replace(/^Code: /, '');
      await card.getByRole('button', { name: 'Send to a friend: Section C · Row 4 · Seat 1' }).click();
      await card.getByLabel("Your friend's email", { exact: true }).fill(friend.email);
      // The friend is known to tickets once auth's user:created arrives: until then the form says so.
      const deadline = Date.now() + 20000;
      for (;;) {
        await card.getByRole('button', { name: 'Send the pass' }).click();
        const outcome = await Promise.race([
          card.getByRole('status').waitFor().then(() => 'sent' as const),
          card.locator('.field-error').waitFor().then(() => 'error' as const),
        ]);
        if (outcome === 'sent') break;
        const error = await textOf(card.locator('.field-error'));
        if (error !== 'No user with that email' || Date.now() > deadline) throw new Error(`sending failed: ${error}`);
        await buyer.page.waitForTimeout(500);
      }
      expect(await textOf(card.getByRole('status'))).toBe(`Sent to ${friend.email}: the pass is theirs now.`);
      expect(await textOf(card.locator('.status'))).toBe('void');
      await check(buyer, 'sent');

      await friend.follow('My Passes', '/passes');
      await friend.reloadUntil('the pass sent', async () => (await passCards(friend).count()) === 1);
      const theirs = passCards(friend).first();
      expect(await textOf(theirs.locator('.pass-seat'))).toBe('Section C · Row 4 · Seat 1');
      expect(await textOf(theirs.locator('.status'))).toBe('valid');
      friendCode = (await textOf(theirs.locator('.pass-code-text'))).replace(/^Code: /, '');
      expect(friendCode).not.toBe(oldCode);
      await check(friend, 'friend');
    }),
  );

  it(
    'at the gate the organizer types the friend\'s code: Admitted, then Refused — Pass already used',
    step(async () => {
      await organizer.goto('/gate');
      await organizer.heading('Gate').waitFor();
      const verdict = organizer.page.locator('.gate-verdict');
      await organizer.page.getByLabel('Pass code', { exact: true }).fill(friendCode);
      await organizer.button('Check the pass').click();
      await verdict.locator('.gate-word', { hasText: 'Admitted' }).waitFor();
      expect(await textOf(verdict.locator('.gate-detail'))).toBe(`${title} · Section C · Row 4 · Seat 1`);
      await check(organizer, 'gate-admitted');

      await organizer.page.getByLabel('Pass code', { exact: true }).fill(friendCode);
      await organizer.button('Check the pass').click();
      await verdict.locator('.gate-word', { hasText: 'Refused' }).waitFor();
      expect(await textOf(verdict.locator('.gate-detail'))).toBe('Pass already used');
      await check(organizer, 'gate-refused');
    }),
  );

  it('no page threw or logged an error', () => {
    expect(people.flatMap((p) => p.problems)).toEqual([]);
  });
});
