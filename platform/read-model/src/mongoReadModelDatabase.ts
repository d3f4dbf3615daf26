import { TransientError } from '@waggle/errors';
import { MongoClient, type Db } from 'mongodb';

/** A read model's own database, shared by all its versions. */
export type ReadModelDatabase = {
  readonly db: Db;
  readonly start: () => Promise<void>;
  readonly stop: () => Promise<void>;
  /** Resolves when the server answers; a retriable `TransientError` otherwise (readiness). */
  readonly ping: () => Promise<void>;
};

/** Opens (on `start`) the database a read model keeps its versions, their documents and offsets in. */
export const openReadModelDatabase = (options: { url: string; dbName: string }): ReadModelDatabase => {
  const client = new MongoClient(options.url, { serverSelectionTimeoutMS: 5000 });
  const db = client.db(options.dbName);
  return {
    db,
    start: async () => void (await client.connect()),
    stop: () => client.close(),
    ping: async () => {
      try {
        await db.command({ ping: 1 });
      } catch (error) {
        throw new TransientError(`the read model database ${options.dbName} does not answer: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
  };
};
