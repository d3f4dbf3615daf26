import { randomUUID } from 'node:crypto';
import { openDuckDb } from './openDuckDb.ts';
import { writerName } from './createParquetWriter.ts';
import { lakeLayout } from './lakeLayout.ts';
import type { LakeStore } from './lakeStore.ts';
import {
  commitEntry,
  listManifestPartitions,
  liveEntries,
  mapLimited,
  readPartitionManifest,
  repairPartition,
  type ManifestEntry,
  type NamedEntry,
} from './manifest.ts';

export type CompactReport = {
  readonly merged: readonly { topic: string; partition: number; date: string; files: number; rows: number; file: string }[];
  /** Partitions skipped because another compaction holds their lock. */
  readonly busy: readonly string[];
};

const lockStaleMs = 10 * 60 * 1000;
const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/** Runs of at least two consecutive sink files of one day, in offset order. */
const runsOf = (live: readonly NamedEntry[], date: string | undefined): NamedEntry[][] => {
  const runs: NamedEntry[][] = [];
  let run: NamedEntry[] = [];
  for (const entry of live) {
    const last = run.at(-1);
    const fits =
      entry.kind === 'file' &&
      (date === undefined || entry.date === date) &&
      (last === undefined || (last.date === entry.date && BigInt(last.lastOffset) + 1n === BigInt(entry.firstOffset)));
    if (fits) run.push(entry);
    else {
      if (run.length > 1) runs.push(run);
      run = entry.kind === 'file' && (date === undefined || entry.date === date) ? [entry] : [];
    }
  }
  if (run.length > 1) runs.push(run);
  return runs;
};

/** Takes a partition's compaction lock (an exclusive file); a lock older than 10 minutes is a crashed run's and is taken over. */
const lock = async (store: LakeStore, key: string): Promise<boolean> => {
  if (await store.createExclusive(key, JSON.stringify({ pid: process.pid, at: Date.now() }))) return true;
  const held = JSON.parse((await store.readText(key)) ?? '{"at":0}') as { at: number };
  if (Date.now() - held.at < lockStaleMs) return false;
  await store.remove(key);
  return store.createExclusive(key, JSON.stringify({ pid: process.pid, at: Date.now() }));
};

/**
 * Merges each partition-day's runs of small files into one file, atomically: the merged file is written and checked
 * (row count and offsets) in staging, committed by one manifest entry that names the entries it replaces, renamed
 * into place, and only then are the small files deleted. The sink may keep writing meanwhile: it only adds entries.
 */
export const compactLake = async (store: LakeStore, options: { topic?: string; date?: string } = {}): Promise<CompactReport> => {
  const merged: { topic: string; partition: number; date: string; files: number; rows: number; file: string }[] = [];
  const busy: string[] = [];
  const instance = await openDuckDb({ threads: '1', memory_limit: '512MB' });
  const connection = await instance.connect();
  try {
    for (const { topic, partition } of await listManifestPartitions(store)) {
      if (options.topic !== undefined && topic !== options.topic) continue;
      const lockKey = `${lakeLayout.partitionManifest(topic, partition)}compact.lock`;
      if (!(await lock(store, lockKey))) {
        busy.push(`${topic}/${partition}`);
        continue;
      }
      try {
        const entries = await readPartitionManifest(store, topic, partition);
        await repairPartition(store, entries);
        for (const run of runsOf(liveEntries(entries), options.date)) {
          const first = run[0];
          const last = run.at(-1);
          if (first === undefined || last === undefined) continue;
          const rows = run.reduce((sum, e) => sum + e.rows, 0);
          const staging = lakeLayout.stagedFile(topic, partition, 'c', first.firstOffset, randomUUID());
          const sources = (await mapLimited(run, 8, (e) => store.localPath(e.file, e.bytes))).map(sqlString).join(', ');
          // written and checked as a local file; stored (synced, or uploaded whole) only when it holds the run exactly
          const bytes = await store.putFile(staging, async (path) => {
            await connection.run(
              `COPY (SELECT * FROM read_parquet([${sources}], hive_partitioning = false, union_by_name = true) ORDER BY "offset")
               TO ${sqlString(path)} (FORMAT parquet, COMPRESSION zstd)`,
            );
            const check = await connection.runAndReadAll(
              `SELECT count(*), count(DISTINCT "offset"), min("offset"), max("offset") FROM read_parquet(${sqlString(path)})`,
            );
            const [n, distinct, lo, hi] = (check.getRowsJS()[0] ?? []) as bigint[];
            if (Number(n) !== rows || Number(distinct) !== rows || lo !== BigInt(first.firstOffset) || hi !== BigInt(last.lastOffset))
              throw new Error(
                `compacting ${topic}/${partition} ${first.date}: the merged file has ${n} rows ${lo}..${hi}, expected ${rows}`,
              );
          });
          const entry: ManifestEntry = {
            kind: 'compacted',
            topic,
            partition,
            date: first.date,
            firstOffset: first.firstOffset,
            lastOffset: last.lastOffset,
            rows,
            undecodable: run.reduce((sum, e) => sum + e.undecodable, 0),
            bytes,
            minCeTime:
              run
                .map((e) => e.minCeTime)
                .filter((t): t is string => t !== null)
                .sort()[0] ?? null,
            maxCeTime:
              run
                .map((e) => e.maxCeTime)
                .filter((t): t is string => t !== null)
                .sort()
                .at(-1) ?? null,
            schemaIds: [...new Set(run.flatMap((e) => e.schemaIds))].sort((a, b) => a - b),
            file: lakeLayout.dataFile(topic, first.date, partition, BigInt(first.firstOffset), BigInt(last.lastOffset)),
            staging,
            writer: writerName,
            writtenAt: new Date().toISOString(),
            replaces: run.map((e) => e.name),
          };
          if (!(await commitEntry(store, entry))) {
            await store.remove(staging);
            continue;
          }
          await store.move(staging, entry.file);
          for (const e of run) await store.remove(e.file);
          merged.push({ topic, partition, date: first.date, files: run.length, rows, file: entry.file });
        }
      } finally {
        await store.remove(lockKey);
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return { merged, busy };
};
