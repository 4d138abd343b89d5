import { pagingQueryRules } from '@ticketing/common';
import { body, query } from 'express-validator';
export { DEFAULT_LIMIT, LIMIT_INVALID, MAX_LIMIT, MAX_OFFSET, OFFSET_INVALID } from '@ticketing/common';

export const TITLE_REQUIRED = 'Title is required';
export const PRICE_INVALID = 'Price must be greater than 0';
export const PRICE_TOO_HIGH = 'Price must be at most 999999.99';
export const Q_INVALID = 'q must be text of at most 200 characters';

const MAX_Q_LENGTH = 200;
/** Stripe's largest charge is $999,999.99: a dearer ticket could never be paid for. */
export const MAX_PRICE = 999999.99;

/** Dollars: digits, optionally a point and one or two more. No sign, no exponent. */
const DOLLARS = /^\d+(\.\d{1,2})?$/;

/**
 * The dollars a price stands for, or null when it is not a price: a JSON
 * number, or a numeric string as an HTML form sends it, greater than 0 with
 * at most two decimals. The upper bound is checked apart (priceError).
 */
function priceAmount(value: unknown): number | null {
  let amount: number;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return null;
    amount = value;
    // Shortest round-trip form: 10.1 → "10.1", 10.123 → "10.123". An integer
    // has no decimals even when it prints with an exponent (1e21 → "1e+21").
    if (!Number.isInteger(value) && !DOLLARS.test(String(value))) return null;
  } else if (typeof value === 'string') {
    const text = value.trim();
    if (!DOLLARS.test(text)) return null;
    amount = Number(text);
  } else {
    return null;
  }
  return amount > 0 ? amount : null;
}

/**
 * The contract's message for a bad price, or null for a good one: not a
 * price (≤ 0, more than two decimals, not a number) → PRICE_INVALID; above
 * MAX_PRICE → PRICE_TOO_HIGH.
 */
export function priceError(value: unknown): string | null {
  const amount = priceAmount(value);
  if (amount === null) return PRICE_INVALID;
  if (amount > MAX_PRICE) return PRICE_TOO_HIGH;
  return null;
}

/** Body rules shared by POST and PUT (the contract: "as POST"). */
export const ticketBodyRules = [
  body('title').isString().withMessage(TITLE_REQUIRED).bail().trim().notEmpty().withMessage(TITLE_REQUIRED),
  body('price')
    .custom((value: unknown) => {
      const message = priceError(value);
      if (message) throw new Error(message);
      return true;
    })
    .bail()
    .customSanitizer((v: number | string) => Number(v)),
];

/** GET /api/tickets query: optional q, limit, offset. */
export const listQueryRules = [
  query('q').optional().isString().withMessage(Q_INVALID).bail().trim().isLength({ max: MAX_Q_LENGTH }).withMessage(Q_INVALID),
  ...pagingQueryRules,
];
