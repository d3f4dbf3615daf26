import { spawn, type ChildProcess } from 'node:child_process';
import { describeTopics, listTopics } from '@waggle/kafka-bus';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedEvents } from '../fixtures/seedEvents.ts';
import { fileTestLake, s3TestLake, startS3TestServer, type S3TestServer } from '../fixtures/testLakes.ts';
import { openLake } from './openLake.ts';
import { verifyLake } from './verifyLake.ts';

const stack = inject('stack');
const repoRoot = new URL('../../../', import.meta.url);
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
let s3: S3TestServer | undefined;
// the first run on a machine builds versitygw (minutes); later ones find it in the cache
beforeAll(async () => {
  s3 = await startS3TestServer();
}, 900_000);
afterAll(async () => {
  await s3?.stop();
});

/** The sink as `npm start` runs it, in its own process, with a crash hook from LAKE_CRASH_AT. */
const spawnSink = (
  env: Record<string, string>,
): { child: ChildProcess; exited: Promise<NodeJS.Signals | number | null>; output: string[] } => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'platform/lake-sink/src/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      PORT: '0',
      LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output: string[] = [];
  for (const stream of [child.stdout, child.stderr])
    stream?.on('data', (chunk: Buffer) => output.push(...chunk.toString().split('\n').slice(0, 5)));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  return { child, exited, output };
};

describe.each(['file', 's3'] as const)('a lake sink killed at every step of a commit (%s lake)', (kind) => {
  it('holds every record exactly once after restarts, with no visible file outside the manifest', { timeout: 180_000 }, async () => {
    const prefix = uniqueName('lakecrash');
    if (kind === 's3' && s3 === undefined) throw new Error('the S3 test server did not start');
    const lake = kind === 'file' || s3 === undefined ? await fileTestLake() : await s3TestLake(s3);
    const { store } = lake;
    const topics = [`${prefix}-x.events`, `${prefix}-y.events`];
    const pattern = `^${prefix}-.*\\.events$`;
    const env = {
      ...lake.env,
      GROUP_ID: `${prefix}-sink`,
      LAKE_TOPIC_PATTERN: pattern,
      LAKE_MAX_RECORDS: '97',
      LAKE_MAX_AGE_MS: '300',
      LAKE_TOPIC_REFRESH_MS: '500',
      // a killed member's partitions move on after this
      LAKE_SESSION_TIMEOUT_MS: '6000',
      // two members in threads of the process (a 2-core machine's default): a hook in either kills both
      LAKE_MEMBERS: '2',
    };
    // the load goes on while the sink is killed and restarted
    const seeding = (async () => {
      for (let round = 0; round < 6; round += 1) {
        await seedEvents({
          brokers: stack.kafkaBrokers,
          registryUrl: stack.schemaRegistryUrl,
          topics,
          partitions: 3,
          perTopic: 250,
          chunk: 50,
        });
      }
    })();
    const crashes = [
      'after-file:2',
      'after-manifest:3',
      'after-rename:2',
      'after-commit:3',
      'after-manifest:1',
      'after-file:5',
      'random:0.05',
    ];
    const outcomes: string[] = [];
    for (const crashAt of crashes) {
      const sink = spawnSink({ ...env, LAKE_CRASH_AT: crashAt });
      const ended = await Promise.race([sink.exited, new Promise<'alive'>((resolve) => setTimeout(() => resolve('alive'), 15_000))]);
      if (ended === 'alive') sink.child.kill('SIGKILL');
      outcomes.push(`${crashAt} → ${ended === 'alive' ? 'killed from outside' : String(ended)}`);
      if (ended !== 'SIGKILL' && ended !== 'alive') throw new Error(`sink exited with ${String(ended)}: ${sink.output.join('\n')}`);
    }
    // and once from outside, at a moment of the test's choosing
    const outside = spawnSink(env);
    await new Promise((resolve) => setTimeout(resolve, 3_000 + Math.random() * 2_000));
    outside.child.kill('SIGKILL');
    await outside.exited;
    await seeding;

    const total = (await describeTopics(stack.kafkaBrokers, { topics: await listTopics(stack.kafkaBrokers, new RegExp(pattern)) })).reduce(
      (sum, t) => sum + t.messages,
      0,
    );
    expect(total).toBe(6 * 250 * topics.length);
    const last = spawnSink(env);
    const report = await waitFor(
      async () => {
        const r = await verifyLake(store, { brokers: stack.kafkaBrokers, topicPattern: new RegExp(pattern) });
        return r.partitions.length === 6 && r.partitions.every((p) => p.behind === 0) ? r : undefined;
      },
      { timeoutMs: 60_000, description: 'the restarted sink to catch up' },
    );
    last.child.kill('SIGTERM');
    await last.exited;
    expect(report.ok, `${outcomes.join('; ')}\n${JSON.stringify(report, null, 1)}`).toBe(true);
    expect(report.orphans).toEqual([]);
    const inManifest = await openLake(store);
    try {
      const [row] = (await inManifest.query(`SELECT count(*), count(DISTINCT (topic, "partition", "offset")) FROM events`)).rows;
      expect(row).toEqual([total, total]);
    } finally {
      inManifest.close();
    }
    // the glob a DuckDB user would read sees the same rows: nothing visible is outside the manifest
    const glob = await openLake(store, { files: await lake.visibleDataFiles() });
    try {
      expect((await glob.query('SELECT count(*) FROM events')).rows[0]?.[0]).toBe(total);
    } finally {
      glob.close();
    }
    console.log(`lake crash test (${kind}): ${outcomes.join('; ')}`);
  });
});
