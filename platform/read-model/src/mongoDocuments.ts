import type { Db, Filter, WithoutId } from 'mongodb';
import { isDuplicateKey } from './isDuplicateKey.ts';
import type { ReadModelDocuments, Revised } from './readModelDocuments.ts';

// the revision lives in the stored document only; readers get the document as the read model built it
type Stored = { _id: string; _revision?: number } & Record<string, unknown>;

const toRevised = <D>({ _id, _revision, ...doc }: Stored): Revised<D> => ({ doc: doc as D, revision: _revision ?? 0 });

/**
 * A read model's documents in collection `name`, one per id, each stored with a revision that every write
 * increments. A save replaces a document only where it still has the revision that was read, so of two writers
 * that read the same revision one wins and the other is told to reload. A document not stored yet (revision 0) is
 * upserted only where no revision exists, so two first writes are told apart by the `_id` index (E11000 = lost).
 */
export const createMongoDocuments = <D extends object>(db: Db, name: string, idOf: (doc: D) => string): ReadModelDocuments<D> => {
  const collection = db.collection<Stored>(name);
  const saveOne = async ({ doc, revision }: Revised<D>): Promise<boolean> => {
    const _id = idOf(doc);
    const replacement = { ...doc, _revision: revision + 1 } as unknown as WithoutId<Stored>;
    // revision 0 also takes over a document written before revisions existed
    const filter: Filter<Stored> = revision === 0 ? { _id, _revision: { $exists: false } } : { _id, _revision: revision };
    try {
      const result = await collection.replaceOne(filter, replacement, { upsert: revision === 0 });
      return result.matchedCount + result.upsertedCount === 1;
    } catch (error) {
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  };
  /** Inserts documents not stored yet in one unordered insert; resolves with the positions whose `_id` was taken. */
  const insertFresh = async (fresh: readonly Revised<D>[]): Promise<number[]> => {
    try {
      await collection.insertMany(
        fresh.map(({ doc }) => ({ ...doc, _id: idOf(doc), _revision: 1 })),
        { ordered: false },
      );
      return [];
    } catch (error) {
      const writeErrors = (error as { writeErrors?: unknown }).writeErrors;
      const failed = Array.isArray(writeErrors) ? (writeErrors as { index?: unknown; code?: unknown }[]) : undefined;
      // anything but a taken `_id` is not a lost race: the consumer's backoff handles it
      if (failed === undefined || failed.some((e) => e.code !== 11000)) throw error;
      return failed.map((e) => Number(e.index));
    }
  };

  return {
    // one `_id $in` read: MongoDB and the local stack's FerretDB (patched for it) both answer it from the `_id` index
    load: async (ids) => {
      if (ids.length === 0) return new Map();
      const docs = await collection.find({ _id: { $in: [...ids] } }).toArray();
      return new Map(docs.map((doc) => [doc._id, toRevised<D>(doc)] as const));
    },
    // new documents (most of a rebuild's) in one unordered insert, whose errors say which; the others one write
    // each: a bulk replace reports how many matched, not which
    save: async (changed) => {
      const fresh = changed.flatMap((revised, index) => (revised.revision === 0 ? [index] : []));
      // a taken `_id` (another writer's first write, or a document from before revisions) is settled by the single write
      const taken = new Set(
        fresh.length < 2 ? fresh : (await insertFresh(fresh.map((index) => changed[index]!))).map((position) => fresh[position]!),
      );
      const saved = await Promise.all(
        changed.map((revised, index) => (revised.revision === 0 && !taken.has(index) ? Promise.resolve(true) : saveOne(revised))),
      );
      return changed.flatMap((revised, index) => (saved[index] === true ? [] : [idOf(revised.doc)]));
    },
  };
};
