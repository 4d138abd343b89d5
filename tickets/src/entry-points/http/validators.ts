import { EVENT_NOT_FOUND_MESSAGE, MAX_SEATS_PER_LISTING, pagingQueryRules, SPLIT_RULES, SplitRule } from '@ticketing/common';
import { Request } from 'express';
import { body, matchedData, query } from 'express-validator';
import { ListingInput, QUANTITY_ODD_FOR_PAIRS } from '../../domain/tickets';
export { DEFAULT_LIMIT, LIMIT_INVALID, MAX_LIMIT, MAX_OFFSET, OFFSET_INVALID } from '@ticketing/common';

export const TITLE_REQUIRED = 'Title is required';
export const PRICE_INVALID = 'Price must be greater than 0';
export const PRICE_TOO_HIGH = 'Price must be at most 999999.99';
export const Q_INVALID = 'q must be text of at most 200 characters';
export const QUANTITY_INVALID = `Quantity must be between 1 and ${MAX_SEATS_PER_LISTING}`;
export const SPLIT_INVALID = `Split must be one of ${SPLIT_RULES.join(', ')}`;
export const SECTION_INVALID = 'Section must be text of at most 20 characters';
export const ROW_INVALID = 'Row must be text of at most 20 characters';
export const EVENT_ID_INVALID = EVENT_NOT_FOUND_MESSAGE;
export const SORT_INVALID = 'Sort must be price or newest';
export const EVENT_ID_QUERY_INVALID = 'eventId must be an event id';

/** Section and row: short labels printed on the ticket. */
const MAX_SEAT_LABEL = 20;
const OBJECT_ID = /^[0-9a-f]{24}$/;

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

/** The seats a quantity stands for: an integer 1–20, as a JSON number or a form's numeric string; null otherwise. */
export function seatCount(value: unknown): number | null {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 1 && n <= MAX_SEATS_PER_LISTING ? n : null;
}

const absent = (value: unknown) => value === undefined || value === null || value === '';

/**
 * An optional text field's first rule: absent, null, text (empty is absent),
 * or a truthy value the field's own rules refuse; `false` or `0` is not an
 * absent field but a wrong one.
 */
const textOrNothing = (value: unknown) => value === undefined || value === null || typeof value === 'string' || Boolean(value);

/** An optional short label (section, row): text of at most 20 characters once trimmed; empty is absent. */
const seatLabel = (field: 'section' | 'row', message: string) => [
  body(field).custom(textOrNothing).withMessage(message),
  body(field).optional({ values: 'falsy' }).isString().withMessage(message).bail().trim().isLength({ max: MAX_SEAT_LABEL }).withMessage(message),
];

/**
 * Body rules of POST (`create`) and PUT (`edit`): the contract says "as
 * POST". Version 2's fields are optional; on POST an absent one takes its
 * default (one seat, split any), on PUT it keeps the stored value, so a
 * version-1 client editing title and price changes nothing else. Whether
 * the event is on sale, and whether an edit's quantity and split agree with
 * what is stored, is the domain's to decide (domain/tickets.ts).
 */
export const ticketBodyRules = (mode: 'create' | 'edit') => [
  body('title').isString().withMessage(TITLE_REQUIRED).bail().trim().notEmpty().withMessage(TITLE_REQUIRED),
  body('price')
    .custom((value: unknown) => {
      const message = priceError(value);
      if (message) throw new Error(message);
      return true;
    })
    .bail()
    .customSanitizer((v: number | string) => Number(v)),
  body('eventId').custom(textOrNothing).withMessage(EVENT_ID_INVALID),
  body('eventId').optional({ values: 'falsy' }).isString().withMessage(EVENT_ID_INVALID).bail().matches(OBJECT_ID).withMessage(EVENT_ID_INVALID),
  body('quantity')
    .optional({ values: 'null' })
    .custom((value: unknown) => {
      if (seatCount(value) === null) throw new Error(QUANTITY_INVALID);
      return true;
    })
    .bail()
    .customSanitizer((value: unknown) => seatCount(value))
    .custom((quantity: number, { req }) => {
      if ((req.body as { split?: unknown }).split === SplitRule.Pairs && quantity % 2 !== 0) throw new Error(QUANTITY_ODD_FOR_PAIRS);
      return true;
    }),
  // Pairs with the default quantity (one seat) on POST: the quantity is what is wrong.
  body('quantity').custom((value: unknown, { req }) => {
    if (mode === 'create' && absent(value) && (req.body as { split?: unknown }).split === SplitRule.Pairs) throw new Error(QUANTITY_ODD_FOR_PAIRS);
    return true;
  }),
  ...seatLabel('section', SECTION_INVALID),
  ...seatLabel('row', ROW_INVALID),
  body('split').optional({ values: 'null' }).isString().withMessage(SPLIT_INVALID).bail().isIn(SPLIT_RULES).withMessage(SPLIT_INVALID),
];

/** GET /api/tickets query: optional q, eventId, sort, limit, offset. */
export const listQueryRules = [
  query('q').optional().isString().withMessage(Q_INVALID).bail().trim().isLength({ max: MAX_Q_LENGTH }).withMessage(Q_INVALID),
  query('eventId').optional().isString().withMessage(EVENT_ID_QUERY_INVALID).bail().matches(OBJECT_ID).withMessage(EVENT_ID_QUERY_INVALID),
  query('sort').optional().isString().withMessage(SORT_INVALID).bail().isIn(['price', 'newest']).withMessage(SORT_INVALID),
  ...pagingQueryRules,
];

/** The listing fields a request gave, validated; a null field is absent (POST: its default, PUT: the stored value). */
export function listingInputOf(req: Request): ListingInput {
  const fields = matchedData(req, { locations: ['body'] });
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== null)) as ListingInput;
}
