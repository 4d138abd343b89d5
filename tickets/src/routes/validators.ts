import { body, query } from 'express-validator';

export const TITLE_REQUIRED = 'Title is required';
export const PRICE_INVALID = 'Price must be greater than 0';
export const Q_INVALID = 'q must be text of at most 200 characters';
export const LIMIT_INVALID = 'Limit must be an integer between 1 and 100';
export const OFFSET_INVALID = 'Offset must be a non-negative integer';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;
const MAX_Q_LENGTH = 200;

/** Dollars: digits, optionally a point and one or two more. No sign, no exponent. */
const DOLLARS = /^\d+(\.\d{1,2})?$/;

/**
 * A price is a JSON number, or a numeric string as an HTML form sends it,
 * greater than 0 with at most two decimals. Anything else gets the contract's
 * one price message.
 */
export function isValidPrice(value: unknown): boolean {
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return false;
    // Shortest round-trip form: 10.1 → "10.1", 10.123 → "10.123", 1e21 → "1e+21".
    text = String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    return false;
  }
  return DOLLARS.test(text) && Number(text) > 0;
}

/** Body rules shared by POST and PUT (the contract: "as POST"). */
export const ticketBodyRules = [
  body('title').isString().withMessage(TITLE_REQUIRED).bail().trim().notEmpty().withMessage(TITLE_REQUIRED),
  body('price')
    .custom(isValidPrice)
    .withMessage(PRICE_INVALID)
    .bail()
    .customSanitizer((v: number | string) => Number(v)),
];

/** GET /api/tickets query: optional q, limit, offset. */
export const listQueryRules = [
  query('q').optional().isString().withMessage(Q_INVALID).bail().trim().isLength({ max: MAX_Q_LENGTH }).withMessage(Q_INVALID),
  query('limit')
    .optional()
    // Not an array (?limit=1&limit=2).
    .isString()
    .withMessage(LIMIT_INVALID)
    .bail()
    .isInt({ min: 1, max: MAX_LIMIT, allow_leading_zeroes: false })
    .withMessage(LIMIT_INVALID)
    .bail()
    .toInt(),
  query('offset')
    .optional()
    .isString()
    .withMessage(OFFSET_INVALID)
    .bail()
    .isInt({ min: 0, max: MAX_OFFSET, allow_leading_zeroes: false })
    .withMessage(OFFSET_INVALID)
    .bail()
    .toInt(),
];

/** Escapes every regular-expression metacharacter: the search is for the literal text. */
export const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
