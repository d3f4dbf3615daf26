import { TransientError } from '@waggle/errors';
import { MongoNetworkError, MongoServerSelectionError, type Db } from 'mongodb';
import { isDuplicateKey } from './isDuplicateKey.ts';

/** The Kafka position a read model reflects on one partition: the last offset its documents include. */
export type ReflectedOffset = { readonly topic: string; readonly partition: number; readonly offset: number };

type OffsetDoc = ReflectedOffset & { _id: string };

/** Wraps a read model's database calls: an unreachable server becomes a retriable `TransientError` naming the step. */
export const translateMongoErrors =
  (store: string) =>
  async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      if (error instanceof MongoNetworkError || error instanceof MongoServerSelectionError) {
        throw new TransientError(`${store} store: ${what} failed: ${error.message}`, { cause: error });
      }
      throw error;
    }
  };

/**
 * The offsets a read model reflects, one document per partition in its own database. Written after the batch's
 * documents: a crash in between replays the batch, which the documents' applied events ignore. An offset only
 * moves forward (`$max`), so a writer that was overtaken (an evicted consumer finishing its batch late) cannot
 * take it back.
 *
 * `reflected` answers from what this process last read or recorded of a partition: the stored offset is at least
 * that (it only moves forward), and one another instance moved further while it held the partition only makes
 * this one skip less, the documents' applied events ignoring what they reflect. A read per batch was a fifth of
 * a read model's operations.
 */
export const createMongoOffsets = (db: Db, name = 'offsets') => {
  const offsets = db.collection<OffsetDoc>(name);
  const known = new Map<string, number>();
  const knowAtLeast = (id: string, offset: number): void => {
    if ((known.get(id) ?? -1) < offset) known.set(id, offset);
  };
  return {
    record: async ({ topic, partition, offset }: ReflectedOffset): Promise<void> => {
      const id = `${topic}:${partition}`;
      const advance = () => offsets.updateOne({ _id: id }, { $max: { offset }, $set: { topic, partition } }, { upsert: true });
      try {
        await advance();
      } catch (error) {
        // two first writes of one partition's document: the loser finds it now and advances it
        if (!isDuplicateKey(error)) throw error;
        await advance();
      }
      knowAtLeast(id, offset);
    },
    reflected: async (topic: string, partition: number): Promise<number | undefined> => {
      const id = `${topic}:${partition}`;
      const remembered = known.get(id);
      if (remembered !== undefined) return remembered;
      const stored = (await offsets.findOne({ _id: id }))?.offset;
      if (stored !== undefined) knowAtLeast(id, stored);
      return stored;
    },
    all: async (): Promise<ReflectedOffset[]> =>
      (await offsets.find({}).sort({ topic: 1, partition: 1 }).toArray()).map(({ topic, partition, offset }) => ({
        topic,
        partition,
        offset,
      })),
  };
};

export type MongoOffsets = ReturnType<typeof createMongoOffsets>;
