/** MongoDB's duplicate-key error (an insert that lost the race for an `_id`). */
export const isDuplicateKey = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 11000;
