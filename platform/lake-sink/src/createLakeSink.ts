import { randomUUID } from 'node:crypto';
import {
  createSinkConsumer,
  type ConsumedRecord,
  type Logger,
  type PartitionFence,
  type SinkBatch,
  type SinkConsumer,
} from '@waggle/kafka-bus';
import { createAvroSerde } from '@waggle/serde';
import type { CrashHook, CrashPoint } from './crashHook.ts';
import { createParquetWriter, writerName, type ParquetWriter } from './createParquetWriter.ts';
import { addRow, openFile, type OpenFile } from './openFile.ts';
import { lakeLayout } from './lakeLayout.ts';
import type { LakeStore } from './lakeStore.ts';
import { commitEntry, mapLimited, nextOffsetOf, readPartitionManifest, repairPartition, type ManifestEntry } from './manifest.ts';
import { decideRotation, type Rotation } from './decideRotation.ts';
import { toLakeRow } from './toLakeRow.ts';

export type LakeSinkOptions = {
  readonly brokers: string | readonly string[];
  readonly registryUrl: string;
  /** Where the lake is: a folder or an S3 prefix. */
  readonly store: LakeStore;
  readonly groupId: string;
  readonly clientId?: string;
  /** Topics to sink (default: every `*.events` topic). */
  readonly topicPattern?: RegExp;
  readonly topicRefreshMs?: number;
  /** How long a silent member keeps its partitions (default 30 s). */
  readonly sessionTimeoutMs?: number;
  readonly rotation: Rotation;
  readonly concurrency?: number;
  readonly logger: Logger;
  /** Most bytes fetched per partition and request (default 1 MiB); with `concurrency`, what bounds the records in flight. */
  readonly maxBytesPerPartition?: number;
  /** DuckDB threads for writing files (default 1). */
  readonly duckdbThreads?: number;
  /** How long a stop commits the files in hand before it drops the rest (default 8 s; they are read again). */
  readonly stopFlushMs?: number;
  /** Test hook: called at each step of a commit. */
  readonly crashHook?: CrashHook;
};

export type LakeSinkStatus = {
  readonly state: 'new' | 'running' | 'crashed' | 'stopped';
  readonly topics: readonly string[];
  readonly partitions: number;
  readonly filesCommitted: number;
  readonly rowsCommitted: number;
  readonly undecodable: number;
  readonly bufferedRows: number;
};

export type LakeSink = {
  readonly start: () => Promise<void>;
  /** Commits the files in hand, then leaves the group. */
  readonly stop: () => Promise<void>;
  readonly status: () => LakeSinkStatus;
  /** The group's lag per partition (by its committed offsets, which follow each committed file). */
  readonly lag: SinkConsumer['lag'];
};

type PartitionState = {
  readonly topic: string;
  readonly partition: number;
  readonly fence: PartitionFence;
  /** The offset the lake continues at: after its last committed file; `undefined` until the partition's first file. */
  committedNext: bigint | undefined;
  file: OpenFile | undefined;
  /** Flushes and batches of one partition run one after the other. */
  queue: Promise<void>;
  /** A gap already sought back over once: seen again, it is real (retention deleted those records). */
  soughtGap: bigint | undefined;
};

const staleStagingMs = 60 * 60 * 1000;

/**
 * The data-lake sink: every record of every matching topic into Hive-partitioned Parquet, exactly once per
 * (topic, partition, offset). A file's rows are a contiguous offset range of one partition and one UTC day; a file is
 * written and synced in staging, committed by a manifest entry that only one writer can create, renamed into place
 * and only then are Kafka offsets committed. The manifest, not the group's offsets, says where a partition
 * continues, so a crash at any step repeats no record and skips none.
 */
export const createLakeSink = (options: LakeSinkOptions): LakeSink => {
  const { logger, rotation } = options;
  const { store } = options;
  const serde = createAvroSerde({ registryUrl: options.registryUrl, schemas: [] });
  const decode = (bytes: Buffer) => serde.decode(bytes);
  const crash = (point: CrashPoint): void => options.crashHook?.(point);
  const states = new Map<string, PartitionState>();
  let writer: ParquetWriter | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;
  const totals = { files: 0, rows: 0, undecodable: 0 };

  const consumer = createSinkConsumer({
    brokers: options.brokers,
    groupId: options.groupId,
    clientId: options.clientId ?? options.groupId,
    topicPattern: options.topicPattern ?? /\.events$/,
    ...(options.topicRefreshMs === undefined ? {} : { topicRefreshMs: options.topicRefreshMs }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
    ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
    ...(options.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: options.maxBytesPerPartition }),
    logger,
    onBatch: (batch) => handleBatch(batch),
    // buffered rows of revoked partitions are dropped: whoever holds them next reads them again from the manifest's end
    onRevoked: () => {
      for (const state of states.values()) dropFile(state);
      states.clear();
    },
  });

  const idOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

  const dropFile = (state: PartitionState): void => {
    state.file?.data.discard();
    state.file = undefined;
  };

  let budgetCheck = 0;
  /** Whether the rows held over all partitions passed the budget (summed every 100 rows: cheap enough, close enough). */
  const overBudget = (): boolean => {
    if ((budgetCheck += 1) % 100 !== 0) return false;
    let held = 0;
    for (const state of states.values()) held += state.file?.bytes ?? 0;
    return held >= (rotation.maxBufferedBytes ?? 32 * 1024 * 1024);
  };

  const serially = (state: PartitionState, work: () => Promise<void>): Promise<void> => {
    const next = state.queue.then(work);
    state.queue = next.catch(() => undefined);
    return next;
  };

  const recover = async (fence: PartitionFence): Promise<PartitionState> => {
    const entries = await readPartitionManifest(store, fence.topic, fence.partition);
    const repaired = await repairPartition(store, entries);
    if (repaired.renamed + repaired.removed > 0) {
      logger.warn('lake: finished an interrupted commit', { topic: fence.topic, partition: fence.partition, ...repaired });
    }
    return {
      topic: fence.topic,
      partition: fence.partition,
      fence,
      committedNext: nextOffsetOf(entries),
      file: undefined,
      queue: Promise.resolve(),
      soughtGap: undefined,
    };
  };

  /** Forgets a partition's state; its records come again from the manifest's end (sought there when the fence holds). */
  /** Forgets a partition's state; its records come again from the manifest's end (or `from`), sought there when the fence holds. */
  const reset = (state: PartitionState, from?: bigint): void => {
    if (states.get(idOf(state.topic, state.partition)) === state) states.delete(idOf(state.topic, state.partition));
    dropFile(state);
    const at = state.committedNext ?? from;
    if (at !== undefined) consumer.seek(state.fence, at.toString());
  };

  const flush = async (state: PartitionState): Promise<void> => {
    const file = state.file;
    if (file === undefined || file.rows.length === 0 || writer === undefined) return;
    if (!state.fence.isHeld()) return;
    const { topic, partition } = state;
    const staging = lakeLayout.stagedFile(topic, partition, 'o', file.firstOffset, randomUUID());
    // once its entry exists the staged file is the committed data: only a rename may move it, never a cleanup
    let committed = false;
    try {
      // the rows are DuckDB's from here: the file in hand is over whatever happens next
      state.file = undefined;
      // durable in staging (synced, or uploaded whole) before any entry can name it
      const bytes = await store.putFile(staging, (path) => file.data.write(path).then(() => undefined));
      crash('after-file');
      if (!state.fence.isHeld()) {
        await store.remove(staging);
        return;
      }
      const entry: ManifestEntry = {
        kind: 'file',
        topic,
        partition,
        date: file.date,
        firstOffset: file.firstOffset.toString(),
        lastOffset: file.lastOffset.toString(),
        rows: file.rows.length,
        undecodable: file.undecodable,
        bytes,
        minCeTime: file.minCeTime === undefined ? null : new Date(file.minCeTime).toISOString(),
        maxCeTime: file.maxCeTime === undefined ? null : new Date(file.maxCeTime).toISOString(),
        schemaIds: [...file.schemaIds].sort((a, b) => a - b),
        file: lakeLayout.dataFile(topic, file.date, partition, file.firstOffset),
        staging,
        writer: writerName,
        writtenAt: new Date().toISOString(),
      };
      if (!(await commitEntry(store, entry))) {
        // another writer committed this range first: it held the partition after us; reread the manifest
        logger.warn('lake: a file of this range was committed by another writer; dropping ours', {
          topic,
          partition,
          offset: entry.firstOffset,
        });
        await store.remove(staging);
        reset(state, file.firstOffset);
        return;
      }
      committed = true;
      crash('after-manifest');
      state.committedNext = file.lastOffset + 1n;
      totals.files += 1;
      totals.rows += entry.rows;
      totals.undecodable += entry.undecodable;
      await store.move(staging, entry.file);
      crash('after-rename');
      await consumer.commit(state.fence, state.committedNext.toString());
      crash('after-commit');
    } catch (error) {
      // a committed file left in staging is renamed into place by the next recovery of the partition
      if (!committed) await store.remove(staging).catch(() => undefined);
      reset(state, file.firstOffset);
      throw error;
    }
  };

  /**
   * A heartbeat after a file is committed. One refused because the group is rebalancing is not the batch's failure:
   * the file is durable and the fences say what happens next. Thrown out of the batch, it would pause the partition
   * for a retry that a revoked fence never resumes.
   */
  const beat = async (state: PartitionState, heartbeat: () => Promise<void>): Promise<void> => {
    try {
      await heartbeat();
    } catch (error) {
      logger.warn(`lake: heartbeat refused after a commit (${String(error)}); the partition is being reassigned`, {
        topic: state.topic,
        partition: state.partition,
      });
    }
  };

  const handleBatch = async (batch: SinkBatch): Promise<void> => {
    if (stopping || !batch.fence.isHeld()) return;
    const id = idOf(batch.topic, batch.partition);
    let state = states.get(id);
    if (state === undefined || !state.fence.isHeld()) {
      state = await recover(batch.fence);
      if (!batch.fence.isHeld()) return;
      states.set(id, state);
    }
    const current = state;
    await serially(current, () => appendRecords(current, batch.records, batch.heartbeat));
  };

  const appendRecords = async (
    state: PartitionState,
    records: readonly ConsumedRecord<never>[],
    heartbeat: () => Promise<void>,
  ): Promise<void> => {
    for (const record of records) {
      if (!state.fence.isHeld() || states.get(idOf(state.topic, state.partition)) !== state) return;
      const offset = BigInt(record.offset);
      const lastBuffered = state.file?.lastOffset;
      const expected = lastBuffered === undefined ? state.committedNext : lastBuffered + 1n;
      if (expected !== undefined && offset < expected) continue;
      if (expected !== undefined && offset > expected) {
        if (state.soughtGap !== expected) {
          // the group's position ran ahead of the lake (rows dropped at a revoke or a failed write): read them again
          state.soughtGap = expected;
          logger.warn('lake: records missing before this batch; reading them again', {
            topic: state.topic,
            partition: state.partition,
            expected: expected.toString(),
            got: record.offset,
          });
          consumer.seek(state.fence, expected.toString());
          return;
        }
        logger.warn('lake: offsets missing in Kafka (deleted by retention?); continuing after the gap', {
          topic: state.topic,
          partition: state.partition,
          from: expected.toString(),
          to: record.offset,
        });
      }
      const row = await toLakeRow(record, decode);
      if (state.file !== undefined && state.file.date !== row.date) await flush(state);
      if (!state.fence.isHeld()) return;
      if (state.file === undefined) {
        if (writer === undefined) return;
        const data = await writer.begin(state.topic, state.partition);
        if (!state.fence.isHeld() || states.get(idOf(state.topic, state.partition)) !== state) {
          data.discard();
          return;
        }
        state.file = openFile(data, row);
      }
      addRow(state.file, row);
      if (decideRotation(state.file, rotation, Date.now()) !== 'keep' || overBudget()) {
        await flush(state);
        await beat(state, heartbeat);
      }
    }
  };

  const flushIdle = (): void => {
    for (const state of states.values()) {
      const file = state.file;
      if (file === undefined || decideRotation(file, rotation, Date.now()) === 'keep') continue;
      serially(state, async () => {
        // the batch before may have flushed it already
        if (state.file !== undefined && decideRotation(state.file, rotation, Date.now()) !== 'keep') await flush(state);
      }).catch((error: unknown) =>
        logger.error(`lake: flushing an idle file failed; reading it again: ${String(error)}`, {
          topic: state.topic,
          partition: state.partition,
        }),
      );
    }
  };

  /** Deletes staged files no entry refers to (a writer crashed or lost a race before committing), once they are old. */
  const removeStaleStaging = async (): Promise<void> => {
    const referenced = new Map<string, Set<string>>();
    for (const staged of await store.list(lakeLayout.stagingPrefix)) {
      // a younger one may belong to a writer that is about to commit it
      if (Date.now() - staged.modifiedMs <= staleStagingMs) continue;
      const parsed = /^_staging\/(.+)-p(\d+)-[oc]\d+-[0-9a-f-]{36}\.parquet$/.exec(staged.key);
      if (parsed !== null) {
        const key = `${parsed[1]}\u0000${parsed[2]}`;
        let keys = referenced.get(key);
        if (keys === undefined) {
          const entries = await readPartitionManifest(store, parsed[1] ?? '', Number(parsed[2]));
          keys = new Set(entries.map((e) => e.staging));
          referenced.set(key, keys);
        }
        if (keys.has(staged.key)) continue;
      }
      await store.remove(staged.key);
    }
  };

  return {
    start: async () => {
      await removeStaleStaging();
      writer = await createParquetWriter(options.duckdbThreads === undefined ? {} : { threads: options.duckdbThreads });
      await consumer.start();
      timer = setInterval(flushIdle, Math.max(100, Math.floor(rotation.maxAgeMs / 4)));
    },
    stop: async () => {
      stopping = true;
      clearInterval(timer);
      // partitions are independent: their files are committed side by side, or a stop with a file in hand on each
      // of a hundred partitions outlasts any supervisor's patience (21 s one after the other for 360 of them); past
      // the deadline the rest are dropped, to be read again from the manifest's end next time
      const deadline = Date.now() + (options.stopFlushMs ?? 8_000);
      let dropped = 0;
      await mapLimited([...states.values()], 8, (state) =>
        serially(state, async () => {
          if (Date.now() < deadline) return flush(state);
          if (state.file !== undefined) dropped += 1;
          dropFile(state);
        }).catch((error: unknown) =>
          logger.error(`lake: committing a file at stop failed; it is read again next time: ${String(error)}`, {
            topic: state.topic,
            partition: state.partition,
          }),
        ),
      );
      if (dropped > 0)
        logger.warn(`lake: stopped before committing the rows in hand of ${dropped} partition(s); they are read again next time`);
      await consumer.stop();
      writer?.close();
      writer = undefined;
    },
    lag: () => consumer.lag(),
    status: () => ({
      state: consumer.state(),
      topics: consumer.topics(),
      partitions: states.size,
      filesCommitted: totals.files,
      rowsCommitted: totals.rows,
      undecodable: totals.undecodable,
      bufferedRows: [...states.values()].reduce((sum, s) => sum + (s.file?.rows.length ?? 0), 0),
    }),
  };
};
