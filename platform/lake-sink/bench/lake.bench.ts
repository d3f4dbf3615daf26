// The lake sink against its ceiling: the same topics consumed by a bare kafkajs consumer doing no work, in the same
// run. Reports the sink's rate and the ratio, Parquet bytes against the raw bytes of the records, and the sink
// process's RSS as the backlog drains (it must not grow with the backlog).
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Bench } from '@waggle/bench';
import { round } from '@waggle/bench';
import { freePort } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { seedEvents } from '../fixtures/seedEvents.ts';
import { fileTestLake, s3TestLake, startS3TestServer } from '../fixtures/testLakes.ts';
import type { LakeStore } from '../src/lakeStore.ts';

const events = Number(process.env['LAKE_BENCH_EVENTS'] ?? 1_000_000);
const topicCount = 4;
const partitions = 6;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The V8 settings the launcher starts the sink with (platform/launcher/src/services.ts). */
const lakeSinkNodeOptions = process.env['LAKE_BENCH_NODE_OPTIONS'] ?? '--max-semi-space-size=32 --max-old-space-size=256';

/** RSS (bytes) and user+system CPU seconds of a process, from /proc. */
const processStats = async (pid: number): Promise<{ rss: number; cpu: number }> => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second on Linux)
  const cpu = (Number(fields[11]) + Number(fields[12])) / 100;
  return { rss: rssKb * 1024, cpu };
};

/** A bare kafkajs consumer reading every topic from the beginning: the ceiling. Also counts the records' raw bytes. */
const consumeRaw = async (brokers: string, topics: readonly string[]): Promise<{ seconds: number; cpu: number; rawBytes: number }> => {
  const kafka = new Kafka({ clientId: 'lake-bench-raw', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `lake-bench-raw-${Date.now()}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  let seen = 0;
  let rawBytes = 0;
  let began = 0;
  let cpuBefore = process.cpuUsage();
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => {
    began = performance.now();
    cpuBefore = process.cpuUsage();
  });
  await consumer.run({
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        rawBytes += (message.key?.length ?? 0) + (message.value?.length ?? 0);
        for (const [name, value] of Object.entries(message.headers ?? {})) rawBytes += name.length + String(value).length;
      }
      seen += batch.messages.length;
      if (seen >= events) finish();
      await Promise.resolve();
    },
  });
  await done;
  const seconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  await consumer.disconnect();
  return { seconds, cpu: (cpu.user + cpu.system) / 1e6, rawBytes };
};

const lakeBytes = async (store: LakeStore): Promise<{ bytes: number; files: number }> => {
  const files = (await store.list('events/')).filter((o) => o.key.endsWith('.parquet'));
  return { bytes: files.reduce((sum, o) => sum + o.size, 0), files: files.length };
};

/** The lake the sink writes: a temporary folder, or with LAKE_BENCH_S3=1 a private versitygw (S3 over a folder). */
const benchLake = async (): Promise<{ store: LakeStore; env: Readonly<Record<string, string>>; close: () => Promise<void> }> => {
  if (process.env['LAKE_BENCH_S3'] !== '1') {
    const lake = await fileTestLake();
    return { ...lake, close: () => rm(lake.store.url, { recursive: true, force: true }) };
  }
  const server = await startS3TestServer();
  const lake = await s3TestLake(server);
  return {
    ...lake,
    close: async () => {
      lake.store.close();
      await server.stop();
    },
  };
};

const bench: Bench = async (report, context) => {
  const { kafkaBrokers, schemaRegistryUrl } = context.stack;
  const prefix = `lakebench-${Date.now().toString(36)}`;
  const topics = Array.from({ length: topicCount }, (_, i) => `${prefix}-t${i}.events`);
  const seedBegan = performance.now();
  await seedEvents({
    brokers: kafkaBrokers,
    registryUrl: schemaRegistryUrl,
    topics,
    partitions,
    perTopic: Math.ceil(events / topicCount),
    days: 3,
    chunk: 5_000,
  });
  const total = Math.ceil(events / topicCount) * topicCount;
  report({ step: 'seeded', events: total, topics: topicCount, partitions, seconds: round((performance.now() - seedBegan) / 1000) });

  const raw = await consumeRaw(kafkaBrokers, topics);
  report({
    step: 'kafkajs, no work (ceiling)',
    events: total,
    seconds: round(raw.seconds),
    eventsPerSecond: round(total / raw.seconds),
    eventsPerCpuSecond: round(total / raw.cpu),
  });

  const lake = await benchLake();
  const port = await freePort();
  // LAKE_BENCH_PROFILE=<dir>: a V8 CPU profile of the sink process, written there when it stops
  const profile = process.env['LAKE_BENCH_PROFILE'];
  const profileArgs = profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`];
  // LAKE_BENCH_ENTRY=<file>: another build of the sink (an older commit's src/main.ts, say), for a before/after
  const entry = process.env['LAKE_BENCH_ENTRY'] ?? 'platform/lake-sink/src/main.ts';
  const child = spawn(
    process.execPath,
    [...profileArgs, ...lakeSinkNodeOptions.split(' ').filter((option) => option !== ''), '--import', 'tsx', entry],
    {
      cwd: repoRoot,
      env: {
        ...process.env,
        KAFKA_BROKERS: kafkaBrokers,
        SCHEMA_REGISTRY_URL: schemaRegistryUrl,
        ...lake.env,
        LAKE_TOPIC_PATTERN: `^${prefix}-.*\\.events$`,
        GROUP_ID: `${prefix}-sink`,
        PORT: String(port),
        LOG_LEVEL: 'warn',
        // files of ~20k rows; the last file of each partition is committed 2 s after its last record
        LAKE_MAX_RECORDS: '20000',
        LAKE_MAX_AGE_MS: '2000',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const pid = child.pid ?? 0;
  const url = `http://127.0.0.1:${port}`;
  try {
    for (;;) {
      const ready = await fetch(`${url}/health/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (child.exitCode !== null) throw new Error(`the sink exited with ${child.exitCode}`);
      await delay(100);
    }
    const began = performance.now();
    const cpuAtReady = (await processStats(pid)).cpu;
    const rss: { atRows: number; rss: number }[] = [];
    let rows = 0;
    while (rows < total) {
      const body = (await (await fetch(`${url}/status`)).json()) as { lake: { rowsCommitted: number } };
      rows = body.lake.rowsCommitted;
      rss.push({ atRows: rows, rss: (await processStats(pid)).rss });
      if (performance.now() - began > 30 * 60_000) throw new Error(`the sink wrote ${rows} of ${total} rows in 30 minutes`);
      await delay(250);
    }
    const seconds = (performance.now() - began) / 1000;
    const cpu = (await processStats(pid)).cpu - cpuAtReady;
    const sizes = await lakeBytes(lake.store);
    const quarter = (q: number) => rss.find((s) => s.atRows >= (q * total) / 4)?.rss ?? 0;
    report({
      step: 'lake sink',
      lake: lake.store.url.startsWith('s3://') ? 's3 (versitygw)' : 'folder',
      entry,
      nodeOptions: lakeSinkNodeOptions,
      events: total,
      seconds: round(seconds),
      eventsPerSecond: round(total / seconds),
      eventsPerCpuSecond: round(total / cpu),
      ofCeiling: round(raw.seconds / seconds),
      files: sizes.files,
      parquetBytes: sizes.bytes,
      rawRecordBytes: raw.rawBytes,
      parquetToRaw: round(sizes.bytes / raw.rawBytes),
      rssMiB: {
        at25: round(quarter(1) / 2 ** 20),
        at50: round(quarter(2) / 2 ** 20),
        at75: round(quarter(3) / 2 ** 20),
        at100: round(quarter(4) / 2 ** 20),
        max: round(Math.max(...rss.map((s) => s.rss)) / 2 ** 20),
      },
    });
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    await lake.close();
  }
};

export default bench;
