import { TransientError } from '@waggle/errors';
import { MongoNetworkError, MongoServerSelectionError, type Db } from 'mongodb';

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
 * documents: a crash in between replays the batch, which the documents' applied events ignore.
 */
export const createMongoOffsets = (db: Db) => {
  const offsets = db.collection<OffsetDoc>('offsets');
  return {
    record: async (reflected: ReflectedOffset): Promise<void> => {
      await offsets.replaceOne({ _id: `${reflected.topic}:${reflected.partition}` }, reflected, { upsert: true });
    },
    reflected: async (topic: string, partition: number): Promise<number | undefined> =>
      (await offsets.findOne({ _id: `${topic}:${partition}` }))?.offset,
    all: async (): Promise<ReflectedOffset[]> =>
      (await offsets.find({}).sort({ topic: 1, partition: 1 }).toArray()).map(({ topic, partition, offset }) => ({
        topic,
        partition,
        offset,
      })),
  };
};
