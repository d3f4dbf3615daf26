import { randomUUID } from 'node:crypto';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
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
import { removeIfPresent, renameDurably, syncDir, syncFile } from './durableFiles.ts';
import { lakeLayout, padOffset } from './lakeLayout.ts';
import { commitEntry, nextOffsetOf, readPartitionManifest, repairPartition, type ManifestEntry } from './manifest.ts';
import { decideRotation, type Rotation } from './decideRotation.ts';
import { toLakeRow, type LakeRow } from './toLakeRow.ts';

export type LakeSinkOptions = {
  readonly brokers: string | readonly string[];
  readonly registryUrl: string;
  /** The lake's root folder. */
  readonly lakeDir: string;
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
  /** DuckDB threads for writing files (default 1). */
  readonly duckdbThreads?: number;
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

type OpenFile = { readonly rows: LakeRow[]; bytes: number; readonly date: string; readonly openedAt: number };

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
  const layout = lakeLayout(options.lakeDir);
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
    logger,
    onBatch: (batch) => handleBatch(batch),
    // buffered rows of revoked partitions are dropped: whoever holds them next reads them again from the manifest's end
    onRevoked: () => states.clear(),
  });

  const idOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

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
    const entries = await readPartitionManifest(layout, fence.topic, fence.partition);
    const repaired = await repairPartition(layout, entries);
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
  const reset = (state: PartitionState): void => {
    if (states.get(idOf(state.topic, state.partition)) === state) states.delete(idOf(state.topic, state.partition));
    const from = state.committedNext ?? state.file?.rows[0]?.offset;
    if (from !== undefined) consumer.seek(state.fence, from.toString());
  };

  const flush = async (state: PartitionState): Promise<void> => {
    const file = state.file;
    const first = file?.rows[0];
    const last = file?.rows.at(-1);
    if (file === undefined || first === undefined || last === undefined || writer === undefined) return;
    if (!state.fence.isHeld()) return;
    const { topic, partition } = state;
    const staging = join(layout.stagingDir, `${topic}-p${partition}-o${padOffset(first.offset)}-${randomUUID()}.parquet`);
    // once its entry exists the staged file is the committed data: only a rename may move it, never a cleanup
    let committed = false;
    try {
      await mkdir(layout.stagingDir, { recursive: true });
      const bytes = await writer.write(file.rows, staging);
      await syncFile(staging);
      await syncDir(layout.stagingDir);
      crash('after-file');
      if (!state.fence.isHeld()) {
        await removeIfPresent(staging);
        return;
      }
      const ceTimes = file.rows.flatMap((row) => (row.ceTimeMs === null ? [] : [row.ceTimeMs]));
      const undecodable = file.rows.filter((row) => row.decodeError !== null).length;
      const entry: ManifestEntry = {
        kind: 'file',
        topic,
        partition,
        date: file.date,
        firstOffset: first.offset.toString(),
        lastOffset: last.offset.toString(),
        rows: file.rows.length,
        undecodable,
        bytes,
        minCeTime: ceTimes.length === 0 ? null : new Date(Math.min(...ceTimes)).toISOString(),
        maxCeTime: ceTimes.length === 0 ? null : new Date(Math.max(...ceTimes)).toISOString(),
        schemaIds: [...new Set(file.rows.flatMap((row) => (row.schemaId === null ? [] : [row.schemaId])))].sort((a, b) => a - b),
        file: layout.dataFile(topic, file.date, partition, first.offset),
        staging: relative(layout.root, staging),
        writer: writerName,
        writtenAt: new Date().toISOString(),
      };
      if (!(await commitEntry(layout, entry))) {
        // another writer committed this range first: it held the partition after us; reread the manifest
        logger.warn('lake: a file of this range was committed by another writer; dropping ours', {
          topic,
          partition,
          offset: entry.firstOffset,
        });
        await removeIfPresent(staging);
        state.file = undefined;
        reset(state);
        return;
      }
      committed = true;
      crash('after-manifest');
      state.file = undefined;
      state.committedNext = last.offset + 1n;
      totals.files += 1;
      totals.rows += entry.rows;
      totals.undecodable += undecodable;
      await renameDurably(staging, join(layout.root, entry.file));
      crash('after-rename');
      await consumer.commit(state.fence, state.committedNext.toString());
      crash('after-commit');
    } catch (error) {
      // a committed file left in staging is renamed into place by the next recovery of the partition
      if (!committed) await removeIfPresent(staging).catch(() => undefined);
      state.file = undefined;
      reset(state);
      throw error;
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
      const lastBuffered = state.file?.rows.at(-1)?.offset;
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
      state.file ??= { rows: [], bytes: 0, date: row.date, openedAt: Date.now() };
      state.file.rows.push(row);
      state.file.bytes += row.size;
      if (decideRotation(state.file, rotation, Date.now()) !== 'keep' || overBudget()) {
        await flush(state);
        await heartbeat();
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
    const names = await readdir(layout.stagingDir).catch(() => [] as string[]);
    const referenced = new Map<string, Set<string>>();
    for (const name of names) {
      const path = join(layout.stagingDir, name);
      // a younger one may belong to a writer that is about to commit it
      if (Date.now() - (await stat(path)).mtimeMs <= staleStagingMs) continue;
      const parsed = /^(.+)-p(\d+)-[oc]\d+-[0-9a-f-]{36}\.parquet$/.exec(name);
      if (parsed !== null) {
        const key = `${parsed[1]}\u0000${parsed[2]}`;
        let staged = referenced.get(key);
        if (staged === undefined) {
          const entries = await readPartitionManifest(layout, parsed[1] ?? '', Number(parsed[2]));
          staged = new Set(entries.map((e) => e.staging));
          referenced.set(key, staged);
        }
        if (staged.has(relative(layout.root, path))) continue;
      }
      await removeIfPresent(path);
    }
  };

  return {
    start: async () => {
      await mkdir(layout.eventsDir, { recursive: true });
      await removeStaleStaging();
      writer = await createParquetWriter(options.duckdbThreads === undefined ? {} : { threads: options.duckdbThreads });
      await consumer.start();
      timer = setInterval(flushIdle, Math.max(100, Math.floor(rotation.maxAgeMs / 4)));
    },
    stop: async () => {
      stopping = true;
      clearInterval(timer);
      for (const state of [...states.values()]) {
        await serially(state, () => flush(state)).catch((error: unknown) =>
          logger.error(`lake: committing a file at stop failed; it is read again next time: ${String(error)}`, {
            topic: state.topic,
            partition: state.partition,
          }),
        );
      }
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
