import { openDuckDb } from './openDuckDb.ts';
import { describeTopics, listTopics, type Logger } from '@waggle/kafka-bus';
import { lakeLayout } from './lakeLayout.ts';
import type { LakeStore } from './lakeStore.ts';
import { liveEntries, readWholeManifest } from './manifest.ts';

/** What verify found in one partition; `problems` empty means its files are whole, contiguous and match Kafka. */
export type PartitionCheck = {
  readonly topic: string;
  readonly partition: number;
  readonly files: number;
  readonly rows: number;
  readonly firstOffset: string | null;
  readonly lastOffset: string | null;
  readonly kafkaLow: string | null;
  readonly kafkaHigh: string | null;
  /** Records in Kafka after the lake's last one: not yet written, not an error. */
  readonly behind: number;
  readonly problems: readonly string[];
};

export type VerifyReport = {
  readonly ok: boolean;
  readonly partitions: readonly PartitionCheck[];
  /** Parquet files under `events/` that no manifest entry counts: a reader of the glob would see them. */
  readonly orphans: readonly string[];
};

const quiet = (logger: Logger | undefined) => (logger === undefined ? {} : { logger });

const sqlString = (value: string): string => `'${value.replaceAll("'", "''")}'`;

/**
 * Checks a lake against its manifest and Kafka: every committed file is read in full (every column of every row is
 * decoded, not a footer count) and holds exactly the offsets its entry says, once each; entries of a partition follow
 * each other with no gap and no overlap from Kafka's first retained offset; no visible file is outside the manifest.
 */
export const verifyLake = async (
  store: LakeStore,
  options: { brokers?: string | readonly string[]; topicPattern?: RegExp; logger?: Logger } = {},
): Promise<VerifyReport> => {
  const instance = await openDuckDb({ threads: '2' });
  const connection = await instance.connect();
  const partitions: PartitionCheck[] = [];
  const counted = new Set<string>();
  try {
    const kafka =
      options.brokers === undefined
        ? []
        : await describeTopics(options.brokers, {
            topics: await listTopics(options.brokers, options.topicPattern ?? /\.events$/, quiet(options.logger)),
            ...quiet(options.logger),
          });
    const manifest = await readWholeManifest(store);
    const entriesOf = new Map(manifest.map((p) => [`${p.topic}\u0000${p.partition}`, p.entries]));
    const keys = new Map(manifest.map((p) => [`${p.topic}\u0000${p.partition}`, { topic: p.topic, partition: p.partition }]));
    for (const t of kafka)
      for (const p of t.partitions) {
        if (BigInt(p.high) > BigInt(p.low)) keys.set(`${t.topic}\u0000${p.partition}`, { topic: t.topic, partition: p.partition });
      }
    for (const { topic, partition } of [...keys.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)) {
      const problems: string[] = [];
      const live = liveEntries(entriesOf.get(`${topic}\u0000${partition}`) ?? []);
      let rows = 0;
      let previous: bigint | undefined;
      for (const entry of live) {
        counted.add(entry.file);
        const first = BigInt(entry.firstOffset);
        const last = BigInt(entry.lastOffset);
        if (previous !== undefined && first !== previous + 1n) {
          problems.push(
            first <= previous
              ? `${entry.name} overlaps offsets up to ${previous}`
              : `gap: offsets ${previous + 1n}..${first - 1n} are in no file`,
          );
        }
        previous = previous === undefined || last > previous ? last : previous;
        try {
          // an S3 lake's file is downloaded (checked against the entry's size) and read from the cache
          const path = await store.localPath(entry.file, entry.bytes);
          const reader = await connection.runAndReadAll(
            `SELECT count(*) AS n, count(DISTINCT "offset") AS distinct_offsets, min("offset") AS lo, max("offset") AS hi,
                    count(*) FILTER (WHERE topic <> $1 OR "partition" <> $2) AS foreign_rows, sum(length(CAST(e AS VARCHAR))) AS chars
             FROM read_parquet(${sqlString(path)}, hive_partitioning = false) e`,
            [topic, partition],
          );
          const [n, distinct, lo, hi, foreign] = (reader.getRowsJS()[0] ?? []) as bigint[];
          rows += Number(n);
          if (Number(n) !== entry.rows || Number(distinct) !== entry.rows)
            problems.push(`${entry.file}: ${n} rows (${distinct} distinct offsets), its entry says ${entry.rows}`);
          if (lo !== first || hi !== last) problems.push(`${entry.file}: offsets ${lo}..${hi}, its entry says ${first}..${last}`);
          if (Number(foreign) > 0) problems.push(`${entry.file}: ${foreign} rows of another topic or partition`);
        } catch (error) {
          problems.push(`${entry.file}: cannot be read: ${(error as Error).message}`);
        }
      }
      const offsets = kafka.find((t) => t.topic === topic)?.partitions.find((p) => p.partition === partition);
      const firstEntry = live[0];
      if (offsets !== undefined && firstEntry !== undefined && BigInt(firstEntry.firstOffset) > BigInt(offsets.low)) {
        problems.push(`gap: offsets ${offsets.low}..${BigInt(firstEntry.firstOffset) - 1n} are in Kafka but in no file`);
      }
      if (offsets !== undefined && previous !== undefined && previous >= BigInt(offsets.high)) {
        problems.push(`the lake has offsets up to ${previous}, Kafka ends before ${offsets.high}`);
      }
      const lakeNext = previous === undefined ? (offsets === undefined ? 0n : BigInt(offsets.low)) : previous + 1n;
      const behind = offsets === undefined ? 0 : Math.max(0, Number(BigInt(offsets.high) - lakeNext));
      partitions.push({
        topic,
        partition,
        files: live.length,
        rows,
        firstOffset: firstEntry?.firstOffset ?? null,
        lastOffset: previous?.toString() ?? null,
        kafkaLow: offsets?.low ?? null,
        kafkaHigh: offsets?.high ?? null,
        behind,
        problems,
      });
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  const orphans = (await store.list(lakeLayout.eventsPrefix))
    .map((o) => o.key)
    .filter((key) => key.endsWith('.parquet') && !counted.has(key));
  return { ok: orphans.length === 0 && partitions.every((p) => p.problems.length === 0), partitions, orphans };
};
