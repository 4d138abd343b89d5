/** How a seller lets a listing's seats be bought (SPEC "Listings"). */
export enum SplitRule {
  /** Any number of seats. */
  Any = 'any',
  /** Even numbers only. */
  Pairs = 'pairs',
  /** A purchase may not leave exactly one seat. */
  NoSingle = 'no-single',
  /** Only every remaining seat at once. */
  All = 'all',
}

export const SPLIT_RULES = Object.values(SplitRule);

export const MAX_SEATS_PER_LISTING = 20;

/** Whether a buyer may take `quantity` of the `available` seats under the seller's split rule (enough seats is checked apart). */
export function splitAllows(split: SplitRule, available: number, quantity: number): boolean {
  switch (split) {
    case SplitRule.Any:
      return true;
    case SplitRule.Pairs:
      return quantity % 2 === 0;
    case SplitRule.NoSingle:
      return available - quantity !== 1;
    case SplitRule.All:
      return quantity === available;
  }
}

/** The quantities a buyer may pick from `available` seats: what a quantity picker offers. */
export function allowedQuantities(split: SplitRule, available: number): number[] {
  const quantities: number[] = [];
  for (let quantity = 1; quantity <= available; quantity += 1) if (splitAllows(split, available, quantity)) quantities.push(quantity);
  return quantities;
}
