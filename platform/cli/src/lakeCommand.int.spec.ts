import { createProducer, createTopics, toEventHeaders } from '@waggle/kafka-bus';
import { createLakeSink } from '@waggle/lake-sink';
import { fileTestLake, s3TestLake, startS3TestServer, type S3TestServer } from '@waggle/lake-sink/testing';
import { createAvroSerde } from '@waggle/serde';
import { runCli, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cliEnv } from '../fixtures/cliFixtures.ts';

const stack = inject('stack');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const schema = {
  fullName: 'waggle.clilaketest.Noted',
  schema: { type: 'record', name: 'Noted', namespace: 'waggle.clilaketest', fields: [{ name: 'text', type: 'string' }] },
};

let s3: S3TestServer | undefined;
// the first run on a machine builds versitygw (minutes); later ones find it in the cache
beforeAll(async () => {
  s3 = await startS3TestServer();
}, 900_000);
afterAll(async () => {
  await s3?.stop();
});

describe.each(['file', 's3'] as const)('waggle lake on a %s lake the sink wrote', (kind) => {
  it(
    'runs named and SQL queries as a table, JSON and CSV, verifies against Kafka, compacts, and refuses bad input with 2',
    { timeout: 150_000 },
    async () => {
      const prefix = uniqueName('clilake');
      const topic = `${prefix}.events`;
      if (kind === 's3' && s3 === undefined) throw new Error('the S3 test server did not start');
      const lake = kind === 'file' || s3 === undefined ? await fileTestLake() : await s3TestLake(s3);
      await createTopics(stack.kafkaBrokers, [{ topic, partitions: 1 }], { logger: quiet });
      const serde = createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: [schema] });
      const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'cli-lake', logger: quiet });
      await producer.start();
      for (let i = 0; i < 3; i += 1) {
        await producer.send([
          {
            topic,
            key: 'note-1',
            value: await serde.encode(topic, schema.fullName, { text: `note ${i}, "quoted"` }),
            headers: {
              ...toEventHeaders({
                id: `e-${i}`,
                type: 'Noted',
                source: '/test',
                time: `2026-11-2${i}T10:00:00.000Z`,
                subject: 'note-1',
                correlationId: 'corr-cli',
                causationId: `e-${i - 1}`,
              }),
              ce_streamversion: String(i + 1),
            },
          },
        ]);
      }
      await producer.stop();
      const sink = createLakeSink({
        brokers: stack.kafkaBrokers,
        registryUrl: stack.schemaRegistryUrl,
        store: lake.store,
        groupId: uniqueName('cli-lake'),
        topicPattern: new RegExp(`^${prefix}\\.events$`),
        rotation: { maxRecords: 1, maxBytes: 1_000_000, maxAgeMs: 200 },
        logger: quiet,
      });
      await sink.start();
      try {
        await waitFor(() => sink.status().rowsCommitted === 3, { description: 'three rows in the lake' });
      } finally {
        await sink.stop();
      }
      const env = { ...cliEnv(stack), ...lake.env };
      const waggle = (...args: string[]) => runCli(['lake', ...args], { env });

      const table = await waggle('query', 'types-per-day');
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/2026-11-20\s+clilake-\S+\.events\s+waggle\.clilaketest\.Noted\s+1/);
      // only the days asked for are read (and, on S3, downloaded)
      const days = await waggle(
        'query',
        'SELECT DISTINCT CAST(date AS VARCHAR) AS d FROM events ORDER BY 1',
        '--from',
        '2026-11-21',
        '--json',
      );
      expect(JSON.parse(days.stdout)).toEqual([{ d: '2026-11-21' }, { d: '2026-11-22' }]);
      const json = await waggle('query', 'correlation', 'corr-cli', '--json');
      expect((JSON.parse(json.stdout) as { ce_id: string }[]).map((r) => r.ce_id)).toEqual(['e-0', 'e-1', 'e-2']);
      const csv = await waggle(
        'query',
        `SELECT json_extract_string(payload, '$.text') AS text FROM events ORDER BY "offset" LIMIT 1`,
        '--csv',
      );
      expect(csv.stdout.trim()).toBe('text\n"note 0, ""quoted"""');

      const verify = await waggle('verify', '--topics', `^${prefix}\\.events$`, '--json');
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
      expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true, orphans: [], partitions: [{ rows: 3, files: 3, behind: 0 }] });
      // one file per day: nothing to merge; the three days stay three files
      expect((await waggle('compact', '--topic', topic)).stdout).toMatch(/nothing to compact/);

      expect((await waggle('query', 'SELEC nonsense')).code).toBe(2);
      expect((await waggle('query', 'stream')).code).toBe(2);
      expect((await waggle('query', 'types-per-day', '--json', '--csv')).code).toBe(2);
      expect((await waggle('compact', '--date', 'yesterday')).code).toBe(2);
      expect((await waggle('query', 'types-per-day', '--from', 'monday')).code).toBe(2);
      expect((await runCli(['lake', 'query', 'types-per-day'], { env: { ...env, LAKE_URL: 's3://Bad_Bucket/lake' } })).code).toBe(2);
      expect((await runCli(['lake', 'query', 'types-per-day'], { env: { ...env, LAKE_URL: 'gs://bucket/lake' } })).code).toBe(2);
    },
  );
});
