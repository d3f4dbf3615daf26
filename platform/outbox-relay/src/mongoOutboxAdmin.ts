import { createMongoEventStore, type OutboxBatch } from '@waggle/event-store';
import { MongoClient } from 'mongodb';
import { createMongoRelayLedger } from './mongoRelayLedger.ts';
import type { LaneRecord, QuarantineRecord } from './relayLedger.ts';

/** An outbox entry as an operator sees it before deciding about it. */
export type OutboxEntry =
  | { readonly kind: 'batch'; readonly batch: OutboxBatch }
  /** Taken but holding nothing to publish: a void entry, an append that lost its race, or one still in flight. */
  | { readonly kind: 'nothing to publish' }
  | { readonly kind: 'missing' };

/** What `waggle outbox` needs of a service's database: its relay ledger and its outbox, read without side effects. */
export type OutboxAdmin = {
  readonly lanes: () => Promise<readonly LaneRecord[]>;
  readonly head: (lane: number) => Promise<number>;
  readonly entry: (lane: number, seq: number) => Promise<OutboxEntry>;
  readonly quarantined: (lane: number, afterSeq: number) => Promise<readonly QuarantineRecord[]>;
  readonly quarantine: (record: QuarantineRecord) => Promise<boolean>;
  readonly close: () => Promise<void>;
};

/** Opens a service's database for the operator commands; it creates nothing there (no store `start()`). */
export const openMongoOutboxAdmin = async (options: { readonly url: string; readonly database: string }): Promise<OutboxAdmin> => {
  const client = new MongoClient(options.url, { serverSelectionTimeoutMS: 5_000 });
  await client.connect();
  const db = client.db(options.database);
  const ledger = createMongoRelayLedger({ db });
  // only lane-addressed reads are used, which do not depend on the lane count
  const store = createMongoEventStore({ db });
  return {
    lanes: () => ledger.lanes(),
    head: (lane) => store.readOutboxHead(lane),
    entry: async (lane, seq) => {
      if (seq > (await store.readOutboxHead(lane))) return { kind: 'missing' };
      // an orphan timeout no entry reaches: this read completes no append and voids no hole
      const read = await store.readOutbox(lane, seq - 1, { limit: 1, orphanAfterMs: Number.MAX_SAFE_INTEGER });
      const batch = read.batches[0];
      return batch === undefined ? { kind: 'nothing to publish' } : { kind: 'batch', batch };
    },
    quarantined: (lane, afterSeq) => ledger.quarantined(lane, afterSeq),
    quarantine: (record) => ledger.quarantine(record),
    close: () => client.close(),
  };
};
