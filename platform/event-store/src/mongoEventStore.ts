import { randomUUID } from 'node:crypto';
import { ConcurrencyError, TransientError, ValidationError } from '@waggle/errors';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { createGroupInsert } from './groupInsert.ts';
import {
  laneOf,
  toStoredEvents,
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

/** An appended batch as stored: nothing inside it is ever queried, so it is kept as one JSON string (`body`). */
export type StoredBatch = {
  streamId: string;
  from: number;
  to: number;
  batchId: string;
  lane: number;
  seq: number;
  commandId: string | null;
  events: StoredEvent[];
  /** ISO time of the append. */
  at: string;
  /**
   * Outbox entries only: earlier seqs of this lane whose appends the same writer saw commit (their stream insert
   * acknowledged), so that the relay need not look them up. Entries nobody vouched for are checked.
   */
  vouch?: number[];
};

/**
 * One appended batch, keyed `<streamId>@<fromVersion>`: inserting it is the atomic, unique claim on those versions.
 * `batchId` is kept beside the body so that commit checks can project just it.
 */
type StreamDoc = { _id: string; batchId: string; body: string };

/** The same batch in its outbox lane, keyed `<lane>:<seq>`; seqs of a lane are always a gapless prefix 1..n. */
type OutboxDoc = { _id: string; body: string } | { _id: string; void: true };

/**
 * Version of the documents' layout, kept in the store's meta document. Format 2 stores each batch as one string:
 * FerretDB's cost per document grows with its number of fields, and one string reads and writes 2–4× faster.
 */
export const storeFormat = 2;

type SnapshotDoc = Snapshot & { _id: string };
type CommandDoc = CommandOutcome & { _id: string };
type MetaDoc = { _id: string; lanes: number; format?: number };
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

/** The two documents of one batch: its stream document (the commit) and its outbox entry (with any vouchers). */
export const batchDocuments = (batch: StoredBatch, vouch: readonly number[] = []): { stream: StreamDoc; outbox: OutboxDoc } => {
  const body = JSON.stringify(batch);
  return {
    stream: { _id: streamKey(batch.streamId, batch.from), batchId: batch.batchId, body },
    outbox: { _id: outboxKey(batch.lane, batch.seq), body: vouch.length === 0 ? body : JSON.stringify({ ...batch, vouch }) },
  };
};

/** Most vouchers one outbox entry carries; seqs beyond it are simply checked by the relay. */
const maxVouchers = 2048;

const toRecorded = (batch: StoredBatch): RecordedEvent[] =>
  batch.events.map((e, i) => ({ type: e.type, data: e.data, metadata: e.metadata, streamId: batch.streamId, version: batch.from + i }));

const parseBatch = (body: string): StoredBatch => JSON.parse(body) as StoredBatch;

const isVoid = (doc: OutboxDoc): doc is { _id: string; void: true } => 'void' in doc;

/** Keys `first, first+1, …, first+count-1` of a lane, for one `$in` read. */
const outboxKeys = (lane: number, first: number, count: number): string[] =>
  Array.from({ length: count }, (_, i) => outboxKey(lane, first + i));

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
    { entry: (seq: number, vouch: readonly number[]) => OutboxDoc; resolve: (seq: number) => void; reject: (e: unknown) => void }[]
  >();
  const claiming = new Set<number>();
  /** Per lane: seqs of this process's appends seen committed, to vouch for in its next outbox entry there. */
  const unvouched = new Map<number, number[]>();

  const vouchLater = (lane: number, seqs: readonly number[]): void => {
    const list = unvouched.get(lane) ?? [];
    list.push(...seqs);
    unvouched.set(lane, list.length > maxVouchers ? list.slice(-maxVouchers) : list);
  };

  const holderOf = async (key: string): Promise<string | undefined> =>
    (await streams.findOne({ _id: key }, { projection: { batchId: 1 } }))?.batchId;

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
      let vouch: readonly number[] = [];
      while (queue.length > 0) {
        const group = queue.splice(0, 256);
        try {
          const base = nextSeqGuess.get(lane) ?? (await findHead(lane, 0)) + 1;
          vouch = unvouched.get(lane) ?? [];
          unvouched.delete(lane);
          const outcomes = await Promise.all(group.map((c, i) => insertOutbox(c.entry(base + i, i === 0 ? vouch : []))));
          if (outcomes[0] !== 'inserted') vouchLater(lane, vouch);
          vouch = [];
          const retry = group.filter((_, i) => outcomes[i] === 'duplicate');
          group.forEach((c, i) => {
            if (outcomes[i] === 'inserted') c.resolve(base + i);
          });
          // a lost seq was taken by another process: find the new head before claiming again
          nextSeqGuess.set(lane, retry.length === 0 ? base + group.length : (await findHead(lane, base - 1)) + 1);
          queue.unshift(...retry);
        } catch (error) {
          nextSeqGuess.delete(lane);
          vouchLater(lane, vouch);
          vouch = [];
          for (const c of group) c.reject(error);
        }
      }
    } finally {
      claiming.delete(lane);
    }
  };

  const claimSeq = (lane: number, entry: (seq: number, vouch: readonly number[]) => OutboxDoc): Promise<number> =>
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
    const batch: Omit<StoredBatch, 'seq'> = {
      streamId,
      from,
      to: expectedVersion + events.length,
      batchId: randomUUID(),
      lane: laneOf(streamId, lanes),
      commandId: appendOptions.commandId ?? null,
      events: toStoredEvents(events),
      at: new Date().toISOString(),
    };
    return transient('append', async () => {
      let streamDoc: StreamDoc | undefined;
      const seq = await claimSeq(batch.lane, (s, vouch) => {
        const docs = batchDocuments({ ...batch, seq: s }, vouch);
        streamDoc = docs.stream;
        return docs.outbox;
      });
      if ((await insertStream(streamDoc!)) === 'duplicate') {
        // the relay may have completed this very append while we were slow: then it is ours and committed
        if ((await holderOf(streamKey(streamId, from))) !== batch.batchId) {
          throw new ConcurrencyError(`stream ${streamId} is past version ${expectedVersion}`, streamId, expectedVersion);
        }
      }
      vouchLater(batch.lane, [seq]);
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
        const batch = parseBatch(doc.body);
        events.push(...toRecorded(batch));
        if (batch.commandId) commandIds.push(batch.commandId);
        version = batch.to;
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
    await insertOutbox({ _id: key, void: true });
  };

  /**
   * Reads the committed batches after `afterSeq`: one `$in` read of the next `limit` outbox keys (the `_id` index
   * answers it on MongoDB and on the stack's FerretDB), then one `$in` read of the stream keys of the entries no
   * later entry vouches for, to see which of those appends committed. Void entries are stepped over; an entry
   * whose stream insert is missing is either still being written (the read stops before it) or orphaned by a dead
   * writer (completed here, with the writer's own claim).
   */
  const readOutbox = async (lane: number, afterSeq: number, readOptions: { limit: number; orphanAfterMs: number }): Promise<OutboxRead> =>
    transient('readOutbox', async () => {
      const found = new Map(
        (await outbox.find({ _id: { $in: outboxKeys(lane, afterSeq + 1, readOptions.limit) } }).toArray()).map((d) => [d._id, d]),
      );
      if (!found.has(outboxKey(lane, afterSeq + 1))) {
        await voidLastingHole(lane, afterSeq + 1, readOptions.orphanAfterMs);
        return { batches: [], throughSeq: afterSeq };
      }
      // the gapless prefix of the window; a missing seq ends it (a claim in flight, or a hole for the next read)
      const entries: { seq: number; batch?: StoredBatch }[] = [];
      const vouched = new Set<number>();
      for (let seq = afterSeq + 1; seq <= afterSeq + readOptions.limit; seq++) {
        const doc = found.get(outboxKey(lane, seq));
        if (!doc) break;
        if (isVoid(doc)) entries.push({ seq });
        else {
          const { vouch = [], ...batch } = parseBatch(doc.body);
          entries.push({ seq, batch });
          for (const s of vouch) vouched.add(s);
        }
      }
      // what no later entry vouches for is looked up in its stream
      const pending = entries.flatMap((e) => (e.batch && !vouched.has(e.seq) ? [streamKey(e.batch.streamId, e.batch.from)] : []));
      const holders = new Map(
        pending.length === 0
          ? []
          : (await streams.find({ _id: { $in: pending } }, { projection: { batchId: 1 } }).toArray()).map((d) => [d._id, d.batchId]),
      );
      const batches: OutboxBatch[] = [];
      let throughSeq = afterSeq;
      for (const { seq, batch } of entries) {
        if (batch) {
          const key = streamKey(batch.streamId, batch.from);
          let holder = vouched.has(seq) ? batch.batchId : holders.get(key);
          if (holder === undefined) {
            if (Date.now() - Date.parse(batch.at) < readOptions.orphanAfterMs) break; // its writer is still at work
            // the writer died between its two inserts: finish its append with the same claim it would have made
            holder = (await insertStream(batchDocuments(batch).stream)) === 'inserted' ? batch.batchId : await holderOf(key);
          }
          if (holder === batch.batchId) {
            batches.push({ position: { lane, seq }, batchId: batch.batchId, streamId: batch.streamId, events: toRecorded(batch) });
          }
        }
        throughSeq = seq;
      }
      return { batches, throughSeq };
    });

  return {
    lanes,
    async start() {
      try {
        await meta.insertOne({ _id: 'event-store', lanes, format: storeFormat });
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        const stored = await meta.findOne({ _id: 'event-store' });
        if (stored && stored.format !== storeFormat) {
          throw new ValidationError(
            `this event store was written in layout ${stored.format ?? 1} by an earlier waggle; this one reads layout ${storeFormat}. ` +
              'Start from an empty database (for the local stack: `npx waggle stack reset`)',
          );
        }
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
    readOutboxHead: (lane) => transient('readOutboxHead', () => findHead(lane, 0)),
  };
};
