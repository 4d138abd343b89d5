import { KINDS, NotificationKind } from './kinds';

const full = { orderId: 'o1', ticketId: 't1', eventId: 'e1', title: 'Summer Tour', quantity: 3, amount: 84.5, until: '2027-06-01T19:30:00.000Z' };

describe('the kinds table', () => {
  it.each(Object.values(NotificationKind))('%s reads well with every fact and with none (no undefined, NaN or empty text)', (kind) => {
    for (const facts of [full, {}]) {
      const text = KINDS[kind];
      for (const line of [text.subject(facts), text.message(facts)]) {
        expect(line.length).toBeGreaterThan(5);
        expect(line).not.toMatch(/undefined|NaN|null/);
      }
      const link = text.link(facts);
      if (link !== undefined) expect(link).toMatch(/^\/[a-z]/);
    }
  });

  it('says what a received pass and a waiting-list offer tell', () => {
    expect(KINDS[NotificationKind.PassReceived].message(full)).toBe('A ticket for Summer Tour was transferred to you. It is in your passes.');
    expect(KINDS[NotificationKind.PassReceived].link(full)).toBe('/passes');
    expect(KINDS[NotificationKind.WaitlistOffer].message(full)).toBe(
      '3 tickets for Summer Tour are held for you from the waiting list until Tue, 01 Jun 2027 19:30:00 GMT. Order them before the offer ends.',
    );
    expect(KINDS[NotificationKind.WaitlistOffer].link(full)).toBe('/tickets/t1');
    expect(KINDS[NotificationKind.WaitlistOffer].message({ title: 'Summer Tour', quantity: 1 })).toBe(
      '1 ticket for Summer Tour is held for you from the waiting list. Order it before the offer ends.',
    );
  });
});
