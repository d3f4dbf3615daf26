import { MongoClient, type Db } from 'mongodb';
import type { EventStore } from './eventStore.ts';
import { createMongoEventStore, type MongoEventStoreOptions } from './mongoEventStore.ts';

export type OpenedEventStore = {
  readonly store: EventStore;
  /** The service's own database, for its other Mongo adapters. */
  readonly db: Db;
  /** Resolves when the server answers a ping; throws otherwise (readiness). */
  readonly ping: () => Promise<void>;
  readonly close: () => Promise<void>;
};

/** Connects to MongoDB and opens a service's event store in its own database. */
export const openMongoEventStore = async (
  options: { url: string; database: string } & Pick<MongoEventStoreOptions, 'lanes' | 'commandRetentionMs' | 'logger'>,
): Promise<OpenedEventStore> => {
  const { url, database, ...storeOptions } = options;
  const client = new MongoClient(url, { maxPoolSize: 20, serverSelectionTimeoutMS: 10_000 });
  await client.connect();
  const db = client.db(database);
  const store = createMongoEventStore({ db, ...storeOptions });
  await store.start();
  return {
    store,
    db,
    ping: async () => {
      await db.command({ ping: 1 });
    },
    close: () => client.close(),
  };
};
