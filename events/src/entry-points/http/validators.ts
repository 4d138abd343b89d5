import { EventCategory, pagingQueryRules } from '@ticketing/common';
export { DEFAULT_LIMIT, LIMIT_INVALID, MAX_LIMIT, MAX_OFFSET, OFFSET_INVALID } from '@ticketing/common';
import { body, query } from 'express-validator';

export const NAME_REQUIRED = 'Name is required';
export const VENUE_REQUIRED = 'Venue is required';
export const CITY_REQUIRED = 'City is required';
export const START_IN_FUTURE = 'Start time must be in the future';
export const CATEGORY_INVALID = 'Category is not valid';
export const FROM_INVALID = 'From must be an ISO 8601 time';
export const TO_INVALID = 'To must be an ISO 8601 time';

/** Names, venues, cities, performers and searches: longer text is not a name. */
export const MAX_TEXT_LENGTH = 200;

export const TEXT_TOO_LONG = (field: string) => `${field} must be at most ${MAX_TEXT_LENGTH} characters`;
export const PERFORMER_INVALID = `Performer must be text of at most ${MAX_TEXT_LENGTH} characters`;
export const Q_INVALID = `q must be text of at most ${MAX_TEXT_LENGTH} characters`;
export const CITY_QUERY_INVALID = `City must be text of at most ${MAX_TEXT_LENGTH} characters`;

export const CATEGORIES = Object.values(EventCategory) as string[];

/** A date and a time with its offset (RFC 3339's date-time): a start time means one instant, wherever it is read. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;
/** A day alone, for a search: UTC midnight. */
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The instant an ISO 8601 text names, or null: not a string, another form, or a day that does not exist (2027-02-30). */
export function isoInstant(value: unknown, { dateOnly = false } = {}): Date | null {
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (!DATE_TIME.test(text) && !(dateOnly && DATE.test(text))) return null;
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) return null;
  // Date rolls 2027-02-30 over to March: the day written must be the day read (in the text's own offset).
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return time;
}

/** A required text field: a string, not blank once trimmed, at most MAX_TEXT_LENGTH characters. */
const requiredText = (field: string, label: string, message: string) =>
  body(field)
    .isString()
    .withMessage(message)
    .bail()
    .trim()
    .notEmpty()
    .withMessage(message)
    .bail()
    .isLength({ max: MAX_TEXT_LENGTH })
    .withMessage(TEXT_TOO_LONG(label));

/** Body rules shared by POST and PUT (the contract: "as POST"). */
export const eventBodyRules = [
  requiredText('name', 'Name', NAME_REQUIRED),
  // Optional: absent, null or blank means none.
  body('performer')
    .optional({ values: 'null' })
    .isString()
    .withMessage(PERFORMER_INVALID)
    .bail()
    .trim()
    .isLength({ max: MAX_TEXT_LENGTH })
    .withMessage(PERFORMER_INVALID),
  requiredText('venue', 'Venue', VENUE_REQUIRED),
  requiredText('city', 'City', CITY_REQUIRED),
  body('startsAt')
    .custom((value: unknown) => {
      const time = isoInstant(value);
      if (!time || time.getTime() <= Date.now()) throw new Error(START_IN_FUTURE);
      return true;
    })
    .bail()
    .customSanitizer((value: string) => isoInstant(value)),
  body('category').isString().withMessage(CATEGORY_INVALID).bail().isIn(CATEGORIES).withMessage(CATEGORY_INVALID),
];

/**
 * The search's own fields may come empty (a search form sends every field):
 * empty is absent. limit and offset stay as GET /api/tickets has them.
 */
const EMPTY_IS_ABSENT = { values: 'falsy' } as const;

/** One optional query text (not an array: ?q=a&q=b), trimmed, at most MAX_TEXT_LENGTH characters. */
const queryText = (field: string, message: string) =>
  query(field).optional(EMPTY_IS_ABSENT).isString().withMessage(message).bail().trim().isLength({ max: MAX_TEXT_LENGTH }).withMessage(message);

/** An optional query time: a date and time with offset, or a day. */
const queryTime = (field: string, message: string) =>
  query(field)
    .optional(EMPTY_IS_ABSENT)
    .custom((value: unknown) => {
      if (!isoInstant(value, { dateOnly: true })) throw new Error(message);
      return true;
    })
    .bail()
    .customSanitizer((value: string) => isoInstant(value, { dateOnly: true }));

/** GET /api/events query. */
export const listQueryRules = [
  queryText('q', Q_INVALID),
  query('category').optional(EMPTY_IS_ABSENT).isString().withMessage(CATEGORY_INVALID).bail().isIn(CATEGORIES).withMessage(CATEGORY_INVALID),
  queryText('city', CITY_QUERY_INVALID),
  queryTime('from', FROM_INVALID),
  queryTime('to', TO_INVALID),
  ...pagingQueryRules,
];
