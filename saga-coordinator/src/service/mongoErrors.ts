import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Document } from 'mongodb';

/** MongoDB's duplicate-key error (an insert that lost the race for an `_id`). */
export const isDuplicateKey = (error: unknown): boolean => (error as { code?: unknown } | null)?.code === 11000;

/** A write (or an unordered bulk) that failed only on duplicate keys: what it was to write is there already. */
export const onlyDuplicates = (error: unknown): boolean => {
  const writeErrors = [(error as { writeErrors?: unknown } | null)?.writeErrors ?? []].flat();
  return writeErrors.length > 0 ? writeErrors.every(isDuplicateKey) : isDuplicateKey(error);
};

/**
 * Upserts in one round trip (unordered). Two upserts of one new `_id` at once can fail with a duplicate key (FerretDB
 * does, MongoDB may): the document exists then, so those are written again, once; any other failure is thrown.
 */
export const bulkUpsert = async <T extends Document>(collection: Collection<T>, operations: AnyBulkWriteOperation<T>[]): Promise<void> => {
  if (operations.length === 0) return;
  try {
    await collection.bulkWrite(operations, { ordered: false });
  } catch (error) {
    if (!(error instanceof MongoBulkWriteError)) throw error;
    const failed = [error.writeErrors].flat();
    if (failed.length === 0 || !failed.every(isDuplicateKey)) throw error;
    await collection.bulkWrite(
      failed.map((w) => operations[w.index]!),
      { ordered: false },
    );
  }
};
