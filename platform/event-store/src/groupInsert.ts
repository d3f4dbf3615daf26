import {
  MongoBulkWriteError,
  MongoServerError,
  type Collection,
  type Document,
  type OptionalUnlessRequiredId,
  type WriteError,
} from 'mongodb';

/** What became of one document of a group insert. */
export type InsertOutcome = 'inserted' | 'duplicate';

type Waiter<T> = { doc: T; resolve: (outcome: InsertOutcome) => void; reject: (error: unknown) => void };

const writeErrorsOf = (error: MongoBulkWriteError): WriteError[] =>
  Array.isArray(error.writeErrors) ? (error.writeErrors as WriteError[]) : [error.writeErrors as WriteError];

/**
 * Group commit: inserts requested while an insert is in flight are sent together as one unordered `insertMany`,
 * and each caller learns what became of its own document: inserted, a duplicate `_id`, or rejected with the
 * server's write error for that document alone. When the server's answer does not say (a dropped connection),
 * every caller of the group is rejected with that error and settles its outcome itself, by `_id`. On a server
 * that commits each command on its own (FerretDB's SQLite), this turns N concurrent commits into one.
 */
export const createGroupInsert = <T extends Document>(collection: Collection<T>, maxGroup = 512) => {
  const queue: Waiter<OptionalUnlessRequiredId<T>>[] = [];
  let flushing = false;

  const settle = (group: Waiter<OptionalUnlessRequiredId<T>>[], error: unknown): void => {
    if (error instanceof MongoBulkWriteError) {
      const failed = new Map(writeErrorsOf(error).map((w) => [w.index, w]));
      // unordered: every document without a write error went in, unless the answer is incomplete
      if (error.result.insertedCount + failed.size === group.length) {
        group.forEach((w, i) => {
          const failure = failed.get(i);
          if (failure === undefined) w.resolve('inserted');
          else if (failure.code === 11000) w.resolve('duplicate');
          else w.reject(new MongoServerError({ message: failure.errmsg ?? 'write error', code: failure.code }));
        });
        return;
      }
    } else if (group.length === 1 && error instanceof MongoServerError) {
      if (error.code === 11000) group[0]!.resolve('duplicate');
      else group[0]!.reject(error);
      return;
    }
    for (const w of group) w.reject(error);
  };

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
          settle(group, error);
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
