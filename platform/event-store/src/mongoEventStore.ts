import { randomUUID } from 'node:crypto';
import { ConcurrencyError, TransientError, ValidationError } from '@waggle/errors';
import { MongoServerError, type Collection, type Db } from 'mongodb';
import { createGroupInsert, type InsertOutcome } from './groupInsert.ts';
import { createLaneClaims, outboxKey, type OutboxDoc } from './laneClaims.ts';
import {
  laneOf,
  toStoredEvents,
  type AppendOptions,
  type AppendResult,
  type CommandRecord,
  type EventMetadata,
  type EventStore,
  type NewEvent,
  type OutboxBatch,
  type OutboxRead,
  type RecordedEvent,
  type Snapshot,
  type StreamSlice,
} from './eventStore.ts';
import { stderrLogger, type StoreLogger } from './storeLogger.ts';

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

/**
 * Version of the documents' layout, kept in the store's meta document. Format 2 stores each batch as one string:
 * FerretDB's cost per document grows with its number of fields, and one string reads and writes 2–4× faster.
 */
export const storeFormat = 2;

/** A snapshot as one JSON string, like the batches: a state may hold any key (FerretDB refuses keys with a `.`). */
type SnapshotDoc = { _id: string; body: string };
/** `at` (when it was recorded) bounds how long the record is kept. */
type CommandDoc = CommandRecord & { _id: string; at: Date };
type MetaDoc = { _id: string; lanes: number; format?: number };
type CursorDoc = { _id: string; seq: number };

export type MongoEventStoreOptions = {
  readonly db: Db;
  /** Outbox lanes: the relay's unit of parallelism and of ownership between relay instances. Fixed once chosen. */
  readonly lanes?: number;
  /** Prefix of the store's collections, to keep several stores in one database. */
  readonly collectionPrefix?: string;
  /**
   * How long a command is remembered, so that its retries are recognised (default 30 days). It must be longer
   * than any redelivery: HTTP clients retrying with an `Idempotency-Key` (hours), Kafka redelivering a reaction's
   * record (a consumer group's committed offsets expire after 7 days by default) and a dead-letter redrive.
   * Older records are deleted by the store itself, beside the recording of a command, once per
   * `commandRetentionMs / 10` or per hour, whichever is shorter (a scan: no index is kept on `at`), because
   * FerretDB (the local stack) does not implement TTL indexes. A retry after that is still recognised while its
   * events are newer than the stream's snapshot.
   */
  readonly commandRetentionMs?: number;
  /** Where failures the store survives (a failed pruning of old commands) are reported (default: stderr). */
  readonly logger?: StoreLogger;
};

const isDuplicateKey = (error: unknown): boolean => error instanceof MongoServerError && error.code === 11000;

const streamKey = (streamId: string, from: number): string => `${streamId}@${from}`;

/** The two documents of one batch: its stream document (the commit) and its outbox entry (with any vouchers). */
export const batchDocuments = (batch: StoredBatch, vouch: readonly number[] = []): { stream: StreamDoc; outbox: OutboxDoc } => {
  const body = JSON.stringify(batch);
  return {
    stream: { _id: streamKey(batch.streamId, batch.from), batchId: batch.batchId, body },
    outbox: { _id: outboxKey(batch.lane, batch.seq), body: vouch.length === 0 ? body : JSON.stringify({ ...batch, vouch }) },
  };
};

/** Streams whose last known version this process remembers, to check an expected version without a read. */
const maxKnownHeads = 50_000;

/** Version keys a stream read asks for at once: a few batches at least, and a bounded query at most. */
const minStreamWindow = 32;
const maxStreamWindow = 1024;

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
    if (isDuplicateKey(error) || error instanceof ConcurrencyError || error instanceof ValidationError) throw error;
    if (error instanceof MongoServerError && !error.hasErrorLabel('RetryableWriteError') && error.code !== 91 && error.code !== 189)
      throw error;
    throw new TransientError(`event store: ${what} failed: ${(error as Error).message}`, { cause: error });
  }
};

/** A command as an earlier waggle recorded it: after its append, with the outcome. */
type LegacyCommandFields = { fromVersion?: number; toVersion?: number };

const toCommandRecord = ({ _id, at, ...doc }: CommandDoc & LegacyCommandFields): CommandRecord => {
  if (typeof doc.afterVersion === 'number') return doc;
  const { fromVersion = 0, toVersion = fromVersion, ...record } = doc;
  return { ...record, afterVersion: fromVersion, ...(toVersion === fromVersion ? { decidedNothing: true } : {}) };
};

const defaultCommandRetentionMs = 30 * 24 * 3600_000;

/**
 * An event store on MongoDB that needs no multi-document transactions and no secondary indexes: every read and
 * conflict check is an `_id` lookup or a unique `_id` insert, so it runs unchanged on a standalone MongoDB, a
 * replica set and FerretDB. An append is two inserts: the outbox entry (claiming the lane's next seq), then the
 * stream batch (claiming the versions). The batch insert is the commit; the relay completes an append whose
 * writer died in between. Before either, the expected version is checked to end a committed batch (batches are
 * never removed, so once seen it stays true): from memory when this process read or appended the stream there,
 * otherwise by walking the stream's batches.
 */
export const createMongoEventStore = (options: MongoEventStoreOptions): EventStore & { start(): Promise<void> } => {
  const prefix = options.collectionPrefix ?? '';
  const lanes = options.lanes ?? 4;
  const logger = options.logger ?? stderrLogger;
  const commandRetentionMs = options.commandRetentionMs ?? defaultCommandRetentionMs;
  const streams: Collection<StreamDoc> = options.db.collection(`${prefix}streams`);
  const outbox: Collection<OutboxDoc> = options.db.collection(`${prefix}outbox`);
  const snapshots: Collection<SnapshotDoc> = options.db.collection(`${prefix}snapshots`);
  const commands: Collection<CommandDoc> = options.db.collection(`${prefix}commands`);
  const meta: Collection<MetaDoc> = options.db.collection(`${prefix}event_store_meta`);
  const cursors: Collection<CursorDoc> = options.db.collection(`${prefix}outbox_cursors`);
  const insertStream = createGroupInsert(streams);
  const insertOutbox = createGroupInsert(outbox);
  const insertCommand = createGroupInsert(commands);
  const claims = createLaneClaims(outbox);
  /**
   * Per lane: seqs of appends this store saw commit and no read of the lane has passed yet. A relay in the same
   * process (the usual case) then publishes them without looking their commit up in the stream.
   */
  const committedHere = new Map<number, Set<number>>();
  /** Per stream (least recently used first): the highest version seen to end one of its committed batches. */
  const knownHeads = new Map<string, number>();

  const knowHead = (streamId: string, version: number): void => {
    const known = knownHeads.get(streamId) ?? 0;
    knownHeads.delete(streamId);
    knownHeads.set(streamId, Math.max(known, version));
    if (knownHeads.size > maxKnownHeads) knownHeads.delete(knownHeads.keys().next().value!);
  };

  const holderOf = async (key: string): Promise<string | undefined> =>
    (await streams.findOne({ _id: key }, { projection: { batchId: 1 } }))?.batchId;

  const notAt = (streamId: string, expectedVersion: number, why: string): ConcurrencyError =>
    new ConcurrencyError(`stream ${streamId} is not at version ${expectedVersion}: ${why}`, streamId, expectedVersion);

  /**
   * Throws a ConcurrencyError unless `expectedVersion` ends a committed batch of the stream (or is 0) and no batch
   * this process knows of is past it. The insert of the next batch then settles the rest: a batch starting right
   * after a batch's end is unique, so an expected version ahead of the stream or inside a batch can never commit.
   */
  const checkExpected = async (streamId: string, expectedVersion: number): Promise<void> => {
    let head = knownHeads.get(streamId) ?? 0;
    if (expectedVersion < head) throw notAt(streamId, expectedVersion, `it is at ${head} or later`);
    while (head < expectedVersion) {
      const doc = await streams.findOne({ _id: streamKey(streamId, head + 1) }, { projection: { body: 1 } });
      if (!doc) throw notAt(streamId, expectedVersion, `it is at ${head}`);
      head = parseBatch(doc.body).to;
      knowHead(streamId, head);
    }
    if (head !== expectedVersion) throw notAt(streamId, expectedVersion, `a batch runs from below it to ${head}`);
  };

  /** The stream insert of an append, settled by its key when the server's answer was lost. */
  const commitBatch = async (doc: StreamDoc): Promise<InsertOutcome> => {
    try {
      return await insertStream(doc);
    } catch (error) {
      // a write error for this document alone is an answer; anything else (a dropped connection) is not
      if (error instanceof MongoServerError) throw error;
      const holder = await holderOf(doc._id);
      if (holder === undefined) return insertStream(doc);
      return holder === doc.batchId ? 'inserted' : 'duplicate';
    }
  };

  let lastPrune = Date.now();
  const pruneEveryMs = Math.min(3600_000, commandRetentionMs / 10);
  /** Deletes commands older than the retention window, at most every `pruneEveryMs`, beside the call that asked. */
  const pruneCommands = (): void => {
    if (Date.now() - lastPrune < pruneEveryMs) return;
    lastPrune = Date.now();
    commands.deleteMany({ at: { $lt: new Date(Date.now() - commandRetentionMs) } }).catch((error: unknown) => {
      // tried again at the next interval; until then the records are only kept a little longer
      logger.warn({ err: error, collection: commands.collectionName }, 'event store: pruning old commands failed');
    });
  };

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
      await checkExpected(streamId, expectedVersion);
      let streamDoc: StreamDoc | undefined;
      const seq = await claims.claim(batch.lane, (s, vouch) => {
        const docs = batchDocuments({ ...batch, seq: s }, vouch);
        streamDoc = docs.stream;
        return docs.outbox;
      });
      if ((await commitBatch(streamDoc!)) === 'duplicate') {
        // the relay may have completed this very append while we were slow: then it is ours and committed
        if ((await holderOf(streamKey(streamId, from))) !== batch.batchId) {
          throw new ConcurrencyError(`stream ${streamId} is past version ${expectedVersion}`, streamId, expectedVersion);
        }
      }
      knowHead(streamId, batch.to);
      claims.vouchLater(batch.lane, [seq]);
      let committed = committedHere.get(batch.lane);
      if (!committed) committedHere.set(batch.lane, (committed = new Set()));
      // bounded for a store whose lanes no relay of this process reads: the relay then looks them up, as before
      if (committed.size < 100_000) committed.add(seq);
      return { streamId, fromVersion: from, toVersion: batch.to, batchId: batch.batchId, position: { lane: batch.lane, seq } };
    });
  };

  const readStream = async (streamId: string, readOptions: { fromVersion?: number } = {}): Promise<StreamSlice> =>
    transient('readStream', async () => {
      let version = readOptions.fromVersion ?? 0;
      const events: RecordedEvent[] = [];
      const commandIds: string[] = [];
      // one `$in` read per window of version keys rather than one lookup per batch (on a long stream those lookups
      // were most of a reaction's time); the window spans the head this process knows, and the key after it, so a
      // stream read before is read in one round trip, and otherwise doubles while batches fill it
      let window = Math.min(maxStreamWindow, Math.max(minStreamWindow, (knownHeads.get(streamId) ?? 0) - version + 1));
      for (;;) {
        const keys = Array.from({ length: window }, (_, i) => streamKey(streamId, version + 1 + i));
        const found = new Map((await streams.find({ _id: { $in: keys } }).toArray()).map((d) => [d._id, d]));
        const end = version + window;
        // follow the batches from key to key, as a walk by `_id` would: each batch starts right after the one before
        for (let doc = found.get(streamKey(streamId, version + 1)); doc; doc = found.get(streamKey(streamId, version + 1))) {
          const batch = parseBatch(doc.body);
          events.push(...toRecorded(batch));
          // a batch may hold the events of several commands of the stream (decided together): each event names its own
          if (batch.commandId) commandIds.push(batch.commandId);
          for (const e of batch.events)
            if (e.metadata.commandId && e.metadata.commandId !== commandIds.at(-1)) commandIds.push(e.metadata.commandId);
          version = batch.to;
        }
        // the next batch's key was in this window and is absent: that is the stream's end
        if (version < end) break;
        window = Math.min(maxStreamWindow, window * 2);
      }
      if (events.length > 0) knowHead(streamId, version);
      return { streamId, events, version, commandIds };
    });

  const holesSeen = new Map<string, number>();
  /** Outbox entries seen with their stream insert missing, and when this reader first saw each (its own clock). */
  const pendingSeen = new Map<string, number>();
  /**
   * A missing seq with a taken one after it is a hole, which claims no longer leave (they are ordered) but a lane
   * written by an earlier waggle may hold: a claim whose document the server refused. Once it has
   * lasted `orphanAfterMs`, fill it with a void entry so the lane moves on (a late writer then just claims anew).
   */
  const voidLastingHole = async (lane: number, seq: number, laterTaken: boolean, orphanAfterMs: number): Promise<void> => {
    const key = outboxKey(lane, seq);
    if (!laterTaken) {
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
   * Reads the committed batches after `afterSeq`: one `$in` read of the next `limit` outbox keys, two at least (the `_id` index
   * answers it on MongoDB and on the stack's FerretDB), then one `$in` read of the stream keys of the entries no
   * later entry vouches for, to see which of those appends committed. Void entries are stepped over; an entry
   * whose stream insert is missing is either still being written (the read stops before it) or orphaned by a dead
   * writer (completed here, with the writer's own claim).
   */
  const readOutbox = async (lane: number, afterSeq: number, readOptions: { limit: number; orphanAfterMs: number }): Promise<OutboxRead> =>
    transient('readOutbox', async () => {
      // two keys at least: an empty poll then tells in the same read whether a later seq is taken (a hole)
      const found = new Map(
        (await outbox.find({ _id: { $in: outboxKeys(lane, afterSeq + 1, Math.max(2, readOptions.limit)) } }).toArray()).map((d) => [
          d._id,
          d,
        ]),
      );
      if (!found.has(outboxKey(lane, afterSeq + 1))) {
        await voidLastingHole(lane, afterSeq + 1, found.size > 0, readOptions.orphanAfterMs);
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
      // what this store committed itself is known; what no later entry vouches for is looked up in its stream
      const committed = committedHere.get(lane);
      for (const { seq } of entries) if (committed?.delete(seq)) vouched.add(seq);
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
            // timed from the first sight here, not from the writer's `at`: a writer's clock running ahead would
            // otherwise hold the lane for as long, and one running behind would make every pending entry an orphan
            const seenKey = outboxKey(lane, seq);
            const seenAt = pendingSeen.get(seenKey) ?? Date.now();
            pendingSeen.set(seenKey, seenAt);
            if (Date.now() - seenAt < readOptions.orphanAfterMs) break; // its writer is still at work
            pendingSeen.delete(seenKey);
            // the writer died between its two inserts: finish its append with the same claim it would have made
            holder = (await insertStream(batchDocuments(batch).stream)) === 'inserted' ? batch.batchId : await holderOf(key);
          }
          if (pendingSeen.size > 0) pendingSeen.delete(outboxKey(lane, seq));
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
      // a snapshot of the earlier layout (fields, not JSON) is ignored: the stream is folded and snapshotted anew
      if (typeof doc?.body !== 'string') return undefined;
      return { streamId, ...(JSON.parse(doc.body) as Omit<Snapshot, 'streamId'>) };
    },
    async writeSnapshot(snapshot) {
      let body: string;
      try {
        body = JSON.stringify({ version: snapshot.version, schemaVersion: snapshot.schemaVersion, state: snapshot.state });
      } catch (error) {
        throw new ValidationError(`snapshot state must be JSON: ${(error as Error).message}`, [], { cause: error });
      }
      await transient('writeSnapshot', () => snapshots.replaceOne({ _id: snapshot.streamId }, { body }, { upsert: true }));
    },
    async findCommand(commandId) {
      const doc = await transient('findCommand', () => commands.findOne({ _id: commandId }));
      return doc ? toCommandRecord(doc) : undefined;
    },
    async recordCommand(record) {
      pruneCommands();
      // concurrent commands (a group of one stream, or of many streams) are recorded in one insert
      const outcome = await transient('recordCommand', () => insertCommand({ ...record, _id: record.commandId, at: new Date() }));
      if (outcome === 'inserted') return undefined;
      // recorded before, by an earlier attempt or a concurrent request with the same id: the first record stands
      const earlier = await transient('recordCommand', () => commands.findOne({ _id: record.commandId }));
      // pruned in between: this record would have been the first
      return earlier ? toCommandRecord(earlier) : undefined;
    },
    async recordDecidedNothing(commandId) {
      await transient('recordDecidedNothing', () => commands.updateOne({ _id: commandId }, { $set: { decidedNothing: true } }));
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
    readOutboxHead: (lane) => transient('readOutboxHead', () => claims.findHead(lane, 0)),
  };
};
