import { query } from 'express-validator';

export const LIMIT_INVALID = 'Limit must be an integer between 1 and 100';
export const OFFSET_INVALID = 'Offset must be a non-negative integer';
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 100;
export const MAX_OFFSET = Number.MAX_SAFE_INTEGER;

/** `limit` (1–100) and `offset` (0 or more) of a list query, as integers; a repeated parameter is refused. */
export const pagingQueryRules = [
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
