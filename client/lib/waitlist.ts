import type { SplitRule } from './marketplace';

/** The quantities a buyer may wait for on a listing of `listed` seats: what the seller's split rule could ever sell one buyer. */
export function waitlistQuantities(split: SplitRule, listed: number): number[] {
  const quantities: number[] = [];
  for (let quantity = 1; quantity <= listed; quantity += 1) if (split !== 'pairs' || quantity % 2 === 0) quantities.push(quantity);
  return quantities;
}

/** Time left on an offer as m:ss (0:00 once passed). */
export function countdown(msLeft: number): string {
  const seconds = Math.max(0, Math.ceil(msLeft / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** What an entry's status says to its buyer. */
export function waitlistStatusText(status: string, position?: number): string {
  switch (status) {
    case 'waiting':
      return position ? `Number ${position} in line` : 'Waiting';
    case 'offered':
      return 'Seats held for you';
    case 'done':
      return 'You ordered your offered seats';
    case 'expired':
      return 'Your offer expired';
    case 'left':
      return 'You left the waiting list';
    default:
      return status;
  }
}
