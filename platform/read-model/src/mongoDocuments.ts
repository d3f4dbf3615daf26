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
  return {
    // one `_id $in` read: MongoDB and the local stack's FerretDB (patched for it) both answer it from the `_id` index
    load: async (ids) => {
      if (ids.length === 0) return new Map();
      const docs = await collection.find({ _id: { $in: [...ids] } }).toArray();
      return new Map(docs.map((doc) => [doc._id, toRevised<D>(doc)] as const));
    },
    // one write per document: a bulk write reports how many matched, not which
    save: async (changed) => {
      const saved = await Promise.all(changed.map(saveOne));
      return changed.flatMap((revised, index) => (saved[index] === true ? [] : [idOf(revised.doc)]));
    },
  };
};
