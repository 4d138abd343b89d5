const DUPLICATE_KEY = 11000;

/** A unique index refused the write: someone stored this record first. */
export const isDuplicateKey = (err: unknown): boolean => (err as { code?: unknown } | null)?.code === DUPLICATE_KEY;
