import { randomUUID } from 'node:crypto';
import { ConcurrencyError, TransientError, ValidationError } from '@waggle/errors';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { createGroupInsert } from './groupInsert.ts';
import {
  laneOf,
  type AppendOptions,
  type AppendResult,
  type CommandOutcome,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type OutboxBatch,
  type OutboxRead,
  type RecordedEvent,
  type Snapshot,
  type StreamSlice,
} from './eventStore.ts';

type StoredEvent = { type: string; data: Record<string, unknown>; metadata: EventMetadata };

/** One appended batch, keyed `<streamId>@<fromVersion>`: inserting it is the atomic, unique claim on those versions. */
type StreamDoc = {
  _id: string;
  streamId: string;
  from: number;
  to: number;
  batchId: string;
  lane: number;
  seq: number;
  commandId: string | null;
  events: StoredEvent[];
  at: Date;
};

/** The same batch in its outbox lane, keyed `<lane>:<seq>`; seqs of a lane are always a gapless prefix 1..n. */
type OutboxDoc = Omit<StreamDoc, '_id'> & { _id: string; void?: true };

type SnapshotDoc = Snapshot & { _id: string };
type CommandDoc = CommandOutcome & { _id: string };
type MetaDoc = { _id: string; lanes: number };
type CursorDoc = { _id: string; seq: number };

export type MongoEventStoreOptions = {
  readonly db: Db;
  /** Outbox lanes: the relay's unit of parallelism and of ownership between relay instances. Fixed once chosen. */
  readonly lanes?: number;
  /** Prefix of the store's collections, to keep several stores in one database. */
  readonly collectionPrefix?: string;
};

const isDuplicateKey = (error: unknown): boolean => error instanceof MongoServerError && error.code === 11000;

const streamKey = (streamId: string, from: number): string => `${streamId}@${from}`;
const outboxKey = (lane: number, seq: number): string => `${lane}:${seq}`;

const toRecorded = (doc: Pick<StreamDoc, 'streamId' | 'from' | 'events'>): RecordedEvent[] =>
  doc.events.map((e, i) => ({ type: e.type, data: e.data, metadata: e.metadata, streamId: doc.streamId, version: doc.from + i }));

/** Translates driver failures other than duplicate keys into retriable errors carrying their cause. */
const transient = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
  try {
    return await work();
  } catch (error) {
    if (isDuplicateKey(error) || error instanceof ConcurrencyError) throw error;
    if (error instanceof MongoServerError && !error.hasErrorLabel('RetryableWriteError') && error.code !== 91 && error.code !== 189)
      throw error;
    throw new TransientError(`event store: ${what} failed: ${(error as Error).message}`, { cause: error });
  }
};

/**
 * An event store on MongoDB that needs no multi-document transactions and no secondary indexes: every read and
 * conflict check is an `_id` lookup or a unique `_id` insert, so it runs unchanged on a standalone MongoDB, a
 * replica set and FerretDB. An append is two inserts: the outbox entry (claiming the lane's next seq), then the
 * stream batch (claiming the versions). The batch insert is the commit; the relay completes an append whose
 * writer died in between.
 */
export const createMongoEventStore = (options: MongoEventStoreOptions): EventStore & { start(): Promise<void> } => {
  const prefix = options.collectionPrefix ?? '';
  const lanes = options.lanes ?? 4;
  const streams: Collection<StreamDoc> = options.db.collection(`${prefix}streams`);
  const outbox: Collection<OutboxDoc> = options.db.collection(`${prefix}outbox`);
  const snapshots: Collection<SnapshotDoc> = options.db.collection(`${prefix}snapshots`);
  const commands: Collection<CommandDoc> = options.db.collection(`${prefix}commands`);
  const meta: Collection<MetaDoc> = options.db.collection(`${prefix}event_store_meta`);
  const cursors: Collection<CursorDoc> = options.db.collection(`${prefix}outbox_cursors`);
  const nextSeqGuess = new Map<number, number>();
  const insertStream = createGroupInsert(streams);
  const insertOutbox = createGroupInsert(outbox);
  const claimQueues = new Map<
    number,
    { entry: (seq: number) => OutboxDoc; resolve: (seq: number) => void; reject: (e: unknown) => void }[]
  >();
  const claiming = new Set<number>();

  const seqTaken = async (lane: number, seq: number): Promise<boolean> =>
    (await outbox.findOne({ _id: outboxKey(lane, seq) }, { projection: { _id: 1 } })) !== null;

  /** The last taken seq of a lane, knowing `known` is taken (0 = none): exponential probe, then binary search. */
  const findHead = async (lane: number, known: number): Promise<number> => {
    let low = known;
    let step = 1;
    while (await seqTaken(lane, low + step)) {
      low += step;
      step *= 2;
    }
    let high = low + step; // free
    while (high - low > 1) {
      const mid = Math.floor((low + high) / 2);
      if (await seqTaken(lane, mid)) low = mid;
      else high = mid;
    }
    return low;
  };

  /**
   * Inserts outbox entries at the lane's next free seqs. Concurrent claims of this process on one lane take
   * consecutive seqs in one group insert; a seq another process took first is retried at the new head. A seq is
   * never skipped, so a lane's seqs stay a gapless prefix 1..n and the relay can walk them by `_id`.
   */
  const drainClaims = async (lane: number): Promise<void> => {
    const queue = claimQueues.get(lane) ?? [];
    claiming.add(lane);
    try {
      while (queue.length > 0) {
        const group = queue.splice(0, 256);
        try {
          const base = nextSeqGuess.get(lane) ?? (await findHead(lane, 0)) + 1;
          const outcomes = await Promise.all(group.map((c, i) => insertOutbox(c.entry(base + i))));
          const retry = group.filter((_, i) => outcomes[i] === 'duplicate');
          group.forEach((c, i) => {
            if (outcomes[i] === 'inserted') c.resolve(base + i);
          });
          // a lost seq was taken by another process: find the new head before claiming again
          nextSeqGuess.set(lane, retry.length === 0 ? base + group.length : (await findHead(lane, base - 1)) + 1);
          queue.unshift(...retry);
        } catch (error) {
          nextSeqGuess.delete(lane);
          for (const c of group) c.reject(error);
        }
      }
    } finally {
      claiming.delete(lane);
    }
  };

  const claimSeq = (lane: number, entry: (seq: number) => OutboxDoc): Promise<number> =>
    new Promise((resolve, reject) => {
      const queue = claimQueues.get(lane) ?? [];
      claimQueues.set(lane, queue);
      queue.push({ entry, resolve, reject });
      if (!claiming.has(lane)) void drainClaims(lane);
    });

  const append = async (streamId: string, events: readonly NewEvent[], appendOptions: AppendOptions): Promise<AppendResult> => {
    const { expectedVersion } = appendOptions;
    if (events.length === 0) throw new ValidationError('append needs at least one event');
    if (!Number.isInteger(expectedVersion) || expectedVersion < 0)
      throw new ValidationError(`expectedVersion must be an integer ≥ 0, got ${expectedVersion}`);
    const from = expectedVersion + 1;
    const batch = {
      streamId,
      from,
      to: expectedVersion + events.length,
      batchId: randomUUID(),
      lane: laneOf(streamId, lanes),
      commandId: appendOptions.commandId ?? null,
      events: events.map((e) => ({ type: e.type, data: { ...e.data }, metadata: e.metadata })),
      at: new Date(),
    };
    return transient('append', async () => {
      const seq = await claimSeq(batch.lane, (s) => ({ _id: outboxKey(batch.lane, s), ...batch, seq: s }));
      if ((await insertStream({ _id: streamKey(streamId, from), ...batch, seq })) === 'duplicate') {
        const holder = await streams.findOne({ _id: streamKey(streamId, from) }, { projection: { batchId: 1 } });
        // the relay may have completed this very append while we were slow: then it is ours and committed
        if (holder?.batchId !== batch.batchId) {
          throw new ConcurrencyError(`stream ${streamId} is past version ${expectedVersion}`, streamId, expectedVersion);
        }
      }
      return { streamId, fromVersion: from, toVersion: batch.to, batchId: batch.batchId, position: { lane: batch.lane, seq } };
    });
  };

  const readStream = async (streamId: string, readOptions: { fromVersion?: number } = {}): Promise<StreamSlice> =>
    transient('readStream', async () => {
      let version = readOptions.fromVersion ?? 0;
      const events: RecordedEvent[] = [];
      const commandIds: string[] = [];
      // walk the batches by _id: each lookup is a primary-key get on MongoDB and FerretDB alike
      for (;;) {
        const doc = await streams.findOne({ _id: streamKey(streamId, version + 1) });
        if (!doc) break;
        events.push(...toRecorded(doc));
        if (doc.commandId) commandIds.push(doc.commandId);
        version = doc.to;
      }
      return { streamId, events, version, commandIds };
    });

  const holesSeen = new Map<string, number>();
  /**
   * A missing seq with a taken one after it is a hole: a claim whose document the server refused. Once it has
   * lasted `orphanAfterMs`, fill it with a void entry so the lane moves on (a late writer then just claims anew).
   */
  const voidLastingHole = async (lane: number, seq: number, orphanAfterMs: number): Promise<void> => {
    const key = outboxKey(lane, seq);
    if (!(await seqTaken(lane, seq + 1))) {
      holesSeen.delete(key);
      return;
    }
    const seenAt = holesSeen.get(key) ?? Date.now();
    holesSeen.set(key, seenAt);
    if (Date.now() - seenAt < orphanAfterMs) return;
    holesSeen.delete(key);
    await insertOutbox({ _id: key, void: true } as unknown as OutboxDoc);
  };

  const readOutbox = async (lane: number, afterSeq: number, readOptions: { limit: number; orphanAfterMs: number }): Promise<OutboxRead> =>
    transient('readOutbox', async () => {
      const first = await outbox.findOne({ _id: outboxKey(lane, afterSeq + 1) });
      if (!first) {
        await voidLastingHole(lane, afterSeq + 1, readOptions.orphanAfterMs);
        return { batches: [], throughSeq: afterSeq };
      }
      if (first.void) return { batches: [], throughSeq: afterSeq + 1 };
      // read ahead in doubling chunks: an idle or lightly loaded lane costs one lookup, a backlog few round trips
      const entries: OutboxDoc[] = [first];
      for (let chunk = 1; entries.length < readOptions.limit; chunk *= 2) {
        const from = afterSeq + 1 + entries.length;
        const size = Math.min(chunk, readOptions.limit - entries.length);
        const found = await Promise.all(Array.from({ length: size }, (_, i) => outbox.findOne({ _id: outboxKey(lane, from + i) })));
        const gap = found.findIndex((e) => !e || e.void);
        entries.push(...(found.slice(0, gap === -1 ? size : gap) as OutboxDoc[]));
        if (gap !== -1) break;
      }
      const holders = await Promise.all(
        entries.map((e) => streams.findOne({ _id: streamKey(e.streamId, e.from) }, { projection: { batchId: 1 } })),
      );
      const batches: OutboxBatch[] = [];
      let throughSeq = afterSeq;
      for (const [i, entry] of entries.entries()) {
        let holder: { batchId: string } | null | undefined = holders[i];
        if (!holder) {
          if (Date.now() - entry.at.getTime() < readOptions.orphanAfterMs) break; // its writer is still at work
          // the writer died between its two inserts: finish its append with the same claim it would have made
          const { _id, ...batch } = entry;
          try {
            await streams.insertOne({ ...batch, _id: streamKey(entry.streamId, entry.from) });
            holder = { batchId: entry.batchId };
          } catch (error) {
            if (!isDuplicateKey(error)) throw error;
            holder = await streams.findOne({ _id: streamKey(entry.streamId, entry.from) }, { projection: { batchId: 1 } });
          }
        }
        if (holder?.batchId === entry.batchId) {
          batches.push({ position: { lane, seq: entry.seq }, batchId: entry.batchId, streamId: entry.streamId, events: toRecorded(entry) });
        }
        throughSeq = entry.seq;
      }
      return { batches, throughSeq };
    });

  return {
    lanes,
    async start() {
      try {
        await meta.insertOne({ _id: 'event-store', lanes });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const stored = await meta.findOne({ _id: 'event-store' });
        if (stored && stored.lanes !== lanes) {
          throw new ValidationError(`this event store was created with ${stored.lanes} outbox lanes; it cannot be opened with ${lanes}`);
        }
      }
    },
    append,
    readStream,
    async readSnapshot(streamId) {
      const doc = await transient('readSnapshot', () => snapshots.findOne({ _id: streamId }));
      if (!doc) return undefined;
      const { _id, ...snapshot } = doc;
      return snapshot;
    },
    async writeSnapshot(snapshot) {
      await transient('writeSnapshot', () =>
        snapshots.replaceOne({ _id: snapshot.streamId }, { ...snapshot, commandIds: [...snapshot.commandIds] }, { upsert: true }),
      );
    },
    async findCommand(commandId) {
      const doc = await transient('findCommand', () => commands.findOne({ _id: commandId }));
      if (!doc) return undefined;
      const { _id, ...outcome } = doc;
      return outcome;
    },
    async recordCommand(outcome) {
      try {
        await transient('recordCommand', () => commands.insertOne({ _id: outcome.commandId, ...outcome }));
      } catch (error) {
        // recorded before by an earlier attempt of the same command: the first outcome stands
        if (!isDuplicateKey(error)) throw error;
      }
    },
    readOutbox,
    async readOutboxCursor(lane) {
      const doc = await transient('readOutboxCursor', () => cursors.findOne({ _id: `lane-${lane}` }));
      return doc?.seq ?? 0;
    },
    async advanceOutboxCursor(lane, seq) {
      // $max: a relay that lost its lanes to another instance cannot move the cursor back
      await transient('advanceOutboxCursor', () => cursors.updateOne({ _id: `lane-${lane}` }, { $max: { seq } }, { upsert: true }));
    },
  };
};
