import { MongoBulkWriteError, type Collection, type Document, type OptionalUnlessRequiredId, type WriteError } from 'mongodb';

/** What became of one document of a group insert. */
export type InsertOutcome = 'inserted' | 'duplicate';

type Waiter<T> = { doc: T; resolve: (outcome: InsertOutcome) => void; reject: (error: unknown) => void };

const duplicateIndexes = (error: MongoBulkWriteError): Set<number> | undefined => {
  const writeErrors: WriteError[] = Array.isArray(error.writeErrors)
    ? (error.writeErrors as WriteError[])
    : [error.writeErrors as WriteError];
  if (writeErrors.some((w) => w.code !== 11000)) return undefined;
  return new Set(writeErrors.map((w) => w.index));
};

/**
 * Group commit: inserts requested while an insert is in flight are sent together as one unordered `insertMany`,
 * and each caller learns whether its document went in or hit a duplicate `_id`. On a server that commits each
 * command on its own (FerretDB's SQLite), this turns N concurrent commits into one.
 */
export const createGroupInsert = <T extends Document>(collection: Collection<T>, maxGroup = 512) => {
  const queue: Waiter<OptionalUnlessRequiredId<T>>[] = [];
  let flushing = false;

  const flush = async (): Promise<void> => {
    flushing = true;
    try {
      while (queue.length > 0) {
        const group = queue.splice(0, maxGroup);
        try {
          if (group.length === 1) await collection.insertOne(group[0]!.doc);
          else
            await collection.insertMany(
              group.map((w) => w.doc),
              { ordered: false },
            );
          for (const w of group) w.resolve('inserted');
        } catch (error) {
          const duplicates = error instanceof MongoBulkWriteError ? duplicateIndexes(error) : undefined;
          if (duplicates) {
            group.forEach((w, i) => w.resolve(duplicates.has(i) ? 'duplicate' : 'inserted'));
          } else if (group.length === 1 && (error as { code?: unknown }).code === 11000) {
            group[0]!.resolve('duplicate');
          } else {
            for (const w of group) w.reject(error);
          }
        }
      }
    } finally {
      flushing = false;
    }
  };

  return (doc: OptionalUnlessRequiredId<T>): Promise<InsertOutcome> =>
    new Promise<InsertOutcome>((resolve, reject) => {
      queue.push({ doc, resolve, reject });
      if (!flushing) void flush();
    });
};
