import { consoleLogger, createProducer, describeTopics, listTopics } from '@waggle/kafka-bus';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedEvents } from '../fixtures/seedEvents.ts';
import { fileTestLake, s3TestLake, startS3TestServer, type S3TestServer, type TestLake } from '../fixtures/testLakes.ts';
import { compactLake } from './compactLake.ts';
import { createLakeSink, type LakeSink } from './createLakeSink.ts';
import type { LakeStore } from './lakeStore.ts';
import { openLake } from './openLake.ts';
import { verifyLake } from './verifyLake.ts';

const stack = inject('stack');
const running: LakeSink[] = [];
afterEach(async () => {
  for (const sink of running.splice(0)) await sink.stop();
});
let s3: S3TestServer | undefined;
// the first run on a machine builds versitygw (minutes); later ones find it in the cache
beforeAll(async () => {
  s3 = await startS3TestServer();
}, 900_000);
afterAll(async () => {
  await s3?.stop();
});
const newLake = async (kind: 'file' | 's3'): Promise<TestLake> => {
  if (kind === 'file') return fileTestLake();
  if (s3 === undefined) throw new Error('the S3 test server did not start');
  return s3TestLake(s3);
};

const startSink = async (
  store: LakeStore,
  prefix: string,
  groupId: string,
  more: Partial<Parameters<typeof createLakeSink>[0]> = {},
): Promise<LakeSink> => {
  const sink = createLakeSink({
    brokers: stack.kafkaBrokers,
    registryUrl: stack.schemaRegistryUrl,
    store,
    groupId,
    topicPattern: new RegExp(`^${prefix}-.*\\.events$`),
    topicRefreshMs: 500,
    rotation: { maxRecords: 400, maxBytes: 10_000_000, maxAgeMs: 500 },
    logger: consoleLogger,
    ...more,
  });
  running.push(sink);
  await sink.start();
  return sink;
};

/** Every (topic, partition, offset) in the lake, with how often it is there. */
const lakeCounts = async (store: LakeStore) => {
  const lake = await openLake(store);
  try {
    const [row] = (await lake.query(`SELECT count(*), count(DISTINCT (topic, "partition", "offset")) FROM events`)).rows;
    return { rows: Number(row?.[0]), distinct: Number(row?.[1]) };
  } finally {
    lake.close();
  }
};

const kafkaTotal = async (prefix: string): Promise<number> =>
  (await describeTopics(stack.kafkaBrokers, { topics: await listTopics(stack.kafkaBrokers, new RegExp(`^${prefix}-`)) })).reduce(
    (sum, t) => sum + t.messages,
    0,
  );

const caughtUp = async (store: LakeStore, prefix: string) => {
  const report = await verifyLake(store, { brokers: stack.kafkaBrokers, topicPattern: new RegExp(`^${prefix}-`) });
  return report.partitions.length > 0 && report.partitions.every((p) => p.behind === 0) ? report : undefined;
};

describe.each(['file', 's3'] as const)('a lake sink over several topics (%s lake)', (kind) => {
  it('holds every (topic, partition, offset) exactly once, equal to Kafka, in files that verify', { timeout: 120_000 }, async () => {
    const prefix = uniqueName('lake');
    const store = (await newLake(kind)).store;
    const topics = ['a', 'b', 'c'].map((t) => `${prefix}-${t}.events`);
    await seedEvents({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, topics, partitions: 3, perTopic: 1500, days: 2 });
    await startSink(store, prefix, uniqueName('lake-group'));
    const report = await waitFor(() => caughtUp(store, prefix), { timeoutMs: 40_000, description: 'the lake to catch up' }).catch(
      async (error: unknown) => {
        const last = await verifyLake(store, { brokers: stack.kafkaBrokers, topicPattern: new RegExp(`^${prefix}-`) });
        throw new Error(
          `${String(error)}; last report: ${JSON.stringify(last.partitions.map((p) => [p.topic.slice(-8), p.partition, p.rows, p.behind, p.problems]))}`,
        );
      },
    );
    expect(report.ok, JSON.stringify(report, null, 1)).toBe(true);
    expect(report.orphans).toEqual([]);
    expect(await kafkaTotal(prefix)).toBe(4500);
    expect(await lakeCounts(store)).toEqual({ rows: 4500, distinct: 4500 });

    const lake = await openLake(store);
    try {
      const days = await lake.query(`SELECT DISTINCT CAST(date AS VARCHAR) FROM events ORDER BY 1`);
      expect(days.rows.map((r) => r[0])).toEqual(['2026-11-19', '2026-11-20']);
      const mismatched = await lake.query(`SELECT count(*) FROM events WHERE CAST(ce_time AS DATE) <> date`);
      expect(mismatched.rows[0]?.[0]).toBe(0);
      const sample = await lake.query(
        `SELECT event_type, stream_id, stream_version, correlation_id, json_extract_string(payload, '$.thingId') FROM events
         WHERE topic = $1 AND ce_id = $2`,
        [topics[0] ?? '', `${topics[0]}-51`],
      );
      expect(sample.rows).toEqual([['waggle.laketest.ThingHappened', 'thing-1', 2, 'corr-5', 'thing-1']]);
    } finally {
      lake.close();
    }
  });

  it('stores an undecodable record with its error, and picks up a new topic without a restart', async () => {
    const prefix = uniqueName('lake');
    const store = (await newLake(kind)).store;
    const first = `${prefix}-first.events`;
    await seedEvents({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, topics: [first], partitions: 1, perTopic: 10 });
    await startSink(store, prefix, uniqueName('lake-group'));
    await waitFor(() => caughtUp(store, prefix), { timeoutMs: 30_000, description: 'the first topic in the lake' });

    const later = `${prefix}-later.events`;
    await seedEvents({
      brokers: stack.kafkaBrokers,
      registryUrl: stack.schemaRegistryUrl,
      topics: [later],
      partitions: 2,
      perTopic: 20,
      version: 2,
    });
    const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'lake-test' });
    await producer.start();
    await producer.send([{ topic: first, key: 'junk', value: Buffer.from('not avro at all'), headers: { ce_type: 'Junk' } }]);
    await producer.stop();

    await waitFor(
      async () => {
        const report = await caughtUp(store, prefix);
        return (
          report !== undefined &&
          report.partitions.filter((p) => p.topic === later).length === 2 &&
          report.partitions.every((p) => p.rows > 0 || p.behind === 0)
        );
      },
      { timeoutMs: 30_000, description: 'the new topic and the junk record in the lake' },
    );
    expect(await lakeCounts(store)).toEqual({ rows: 31, distinct: 31 });
    const lake = await openLake(store);
    try {
      const junk = await lake.query(`SELECT event_type, payload, decode(value), decode_error FROM events WHERE "key" = 'junk'`);
      expect(junk.rows[0]?.slice(0, 3)).toEqual(['Junk', null, 'not avro at all']);
      expect(String(junk.rows[0]?.[3])).toMatch(/magic byte/);
      // v1 and v2 files read together; the new field is inside the payload text, so the table schema is one
      const colours = await lake.query(
        `SELECT topic, count(*) FILTER (WHERE json_extract_string(payload, '$.colour') = 'red') FROM events WHERE decode_error IS NULL GROUP BY 1 ORDER BY 1`,
      );
      expect(colours.rows).toEqual([
        [first, 0],
        [later, 10],
      ]);
    } finally {
      lake.close();
    }
  });

  it('stays exactly once when a second instance joins and the first leaves mid-load (two rebalances)', { timeout: 90_000 }, async () => {
    const prefix = uniqueName('lake');
    const store = (await newLake(kind)).store;
    const topics = [`${prefix}-r.events`];
    const groupId = uniqueName('lake-group');
    const seed = () =>
      seedEvents({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, topics, partitions: 6, perTopic: 120, chunk: 60 });
    await seed();
    const a = await startSink(store, prefix, groupId);
    // the load goes on until both rebalances are behind it
    let loadUntil = Number.POSITIVE_INFINITY;
    const loading = (async () => {
      for (let round = 0; round < 200 && Date.now() < loadUntil; round += 1) await seed();
    })();
    await waitFor(() => a.status().filesCommitted > 3, { description: 'the first instance to commit files' });
    const b = await startSink(store, prefix, groupId);
    await waitFor(() => b.status().filesCommitted > 0, { timeoutMs: 40_000, description: 'the second instance to commit files' });
    const aFiles = a.status().filesCommitted;
    await a.stop();
    running.splice(running.indexOf(a), 1);
    const bFiles = b.status().filesCommitted;
    loadUntil = Date.now() + 2_000;
    await loading;
    const total = await kafkaTotal(prefix);
    const report = await waitFor(
      async () => {
        const r = await caughtUp(store, prefix);
        return r !== undefined && r.partitions.reduce((sum, p) => sum + p.rows, 0) === total ? r : undefined;
      },
      { timeoutMs: 40_000, description: 'the lake to catch up' },
    );
    expect(report.ok, JSON.stringify(report, null, 1)).toBe(true);
    expect(await lakeCounts(store)).toEqual({ rows: total, distinct: total });
    // both wrote, and the second went on alone after the first left
    expect(aFiles).toBeGreaterThan(0);
    expect(b.status().filesCommitted).toBeGreaterThan(bFiles);
  });

  it('keeps the same rows, exactly once, when small files are compacted while the sink writes', { timeout: 90_000 }, async () => {
    const prefix = uniqueName('lake');
    const store = (await newLake(kind)).store;
    const topics = [`${prefix}-k.events`];
    const seed = () =>
      seedEvents({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, topics, partitions: 2, perTopic: 1000, chunk: 50 });
    await seed();
    await startSink(store, prefix, uniqueName('lake-group'));
    const loading = seed();
    let merged = 0;
    while (merged === 0 || (await kafkaTotal(prefix)) < 2000 || (await caughtUp(store, prefix)) === undefined) {
      merged += (await compactLake(store, { topic: topics[0] ?? '' })).merged.length;
    }
    await loading;
    await waitFor(() => caughtUp(store, prefix), { timeoutMs: 30_000, description: 'the lake to catch up' });
    const before = await lakeCounts(store);
    const last = await compactLake(store);
    const report = await verifyLake(store, { brokers: stack.kafkaBrokers, topicPattern: new RegExp(`^${prefix}-`) });
    expect(report.ok, JSON.stringify(report, null, 1)).toBe(true);
    expect(merged + last.merged.length).toBeGreaterThan(0);
    expect(before).toEqual({ rows: 2000, distinct: 2000 });
    expect(await lakeCounts(store)).toEqual({ rows: 2000, distinct: 2000 });
    expect(report.orphans).toEqual([]);
  });
});

describe('a lake sink stopped past its deadline for committing', () => {
  it('drops the rows in hand, and the next sink reads them again: exactly once, nothing lost', { timeout: 90_000 }, async () => {
    const prefix = uniqueName('lakestop');
    const { store } = await fileTestLake();
    const topics = [`${prefix}-a.events`];
    await seedEvents({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, topics, partitions: 3, perTopic: 300 });
    const group = uniqueName('lake-stop-group');
    // files that never rotate on their own: every row stays in hand until the stop
    const hold = { rotation: { maxRecords: 100_000, maxBytes: 100_000_000, maxAgeMs: 600_000 }, stopFlushMs: 0 };
    const first = await startSink(store, prefix, group, hold);
    await waitFor(() => first.status().bufferedRows === 300, { description: 'all 300 rows in hand' });
    running.splice(running.indexOf(first), 1);
    await first.stop();
    expect(first.status().filesCommitted).toBe(0);
    expect(await lakeCounts(store)).toEqual({ rows: 0, distinct: 0 });
    await startSink(store, prefix, group);
    await waitFor(() => caughtUp(store, prefix), { timeoutMs: 40_000, description: 'the next sink to catch up' });
    expect(await lakeCounts(store)).toEqual({ rows: 300, distinct: 300 });
  });
});
