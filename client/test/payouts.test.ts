import { payoutStatusMeaning } from '../lib/payouts';

describe('payoutStatusMeaning', () => {
  it.each([
    ['pending', 'Waiting: sent to your account from the release date on'],
    ['paid', 'Sent to your account'],
    ['cancelled', 'Not paid: the event was cancelled and the buyer refunded'],
    ['reversed', 'Taken back: the event was cancelled after it was sent'],
  ])('explains %s in plain words', (status, meaning) => {
    expect(payoutStatusMeaning(status)).toBe(meaning);
  });

  it.each(['on-hold', 'toString', ''])('shows a status it does not know (%j) as its word', (status) => {
    expect(payoutStatusMeaning(status)).toBe(`This payout is ${status}`);
  });
});
