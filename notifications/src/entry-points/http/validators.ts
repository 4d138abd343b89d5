import { body } from 'express-validator';

export const PRICE_INVALID = 'Price must be greater than 0';
export const EVENT_ID_INVALID = 'Event not found';
export const IDS_INVALID = 'Ids must be a list of notification ids';

const OBJECT_ID = /^[0-9a-f]{24}$/i;

/** POST /api/notifications/watches */
export const watchBodyRules = [
  body('eventId').custom((value: unknown) => {
    if (typeof value !== 'string' || !OBJECT_ID.test(value)) throw new Error(EVENT_ID_INVALID);
    return true;
  }),
  body('maxPrice').custom((value: unknown) => {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || value > 1_000_000) throw new Error(PRICE_INVALID);
    return true;
  }),
];

/** POST /api/notifications/read: `ids` optional, at most 500 ids; a body that is not an object (a JSON array) is refused. */
export const readBodyRules = [
  body().custom((value: unknown) => {
    if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) throw new Error(IDS_INVALID);
    return true;
  }),
  body('ids')
    .optional()
    .custom((value: unknown) => {
      if (!Array.isArray(value) || value.length > 500 || !value.every((id) => typeof id === 'string' && OBJECT_ID.test(id))) throw new Error(IDS_INVALID);
      return true;
    }),
];
