/**
 * Whether a write failed on a unique `_id` another writer took first (E11000). FerretDB also answers it to two
 * concurrent upserts of one new `_id`, where MongoDB would retry one of them itself.
 */
export const isDuplicateKey = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && 'code' in error && error.code === 11000;
