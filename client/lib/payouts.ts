import type { PayoutStatus } from '../api/types';

/** What each payout status means for the seller, in plain words. */
const MEANINGS: Record<string, string> = {
  pending: 'Waiting: sent to your account from the release date on',
  paid: 'Sent to your account',
  cancelled: 'Not paid: the event was cancelled and the buyer refunded',
  reversed: 'Taken back: the event was cancelled after it was sent',
};

/** A payout's status explained; a status this client does not know yet is still shown, as its word. */
export function payoutStatusMeaning(status: PayoutStatus): string {
  return Object.prototype.hasOwnProperty.call(MEANINGS, status) ? MEANINGS[status] : `This payout is ${status}`;
}
