import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serviceStatusSchema } from '@waggle/http';
import { uniqueName, waitFor } from '@waggle/testing';
import { describe, expect, inject, it } from 'vitest';
import { seedEvents } from '../fixtures/seedEvents.ts';
import { loadConfig } from './config.ts';
import { startLakeSinkService } from './startLakeSinkService.ts';

const stack = inject('stack');

describe('the lake sink as a service', () => {
  it('answers readiness once its two members joined, and a waggle /status with its group lag falling to zero', async () => {
    const prefix = uniqueName('lakesvc');
    const topic = `${prefix}.events`;
    const lakeDir = await mkdtemp(join(tmpdir(), 'lake-svc-'));
    await seedEvents({ brokers: stack.kafkaBrokers, registryUrl: stack.schemaRegistryUrl, topics: [topic], partitions: 2, perTopic: 30 });
    const config = loadConfig({
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      LAKE_URL: pathToFileURL(lakeDir).href,
      GROUP_ID: prefix,
      LAKE_TOPIC_PATTERN: `^${prefix}\\.events$`,
      LAKE_MAX_AGE_MS: '200',
      LAKE_MEMBERS: '2',
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    expect(config.lake.location).toEqual({ kind: 'file', dir: lakeDir });
    const service = await startLakeSinkService(config);
    try {
      expect((await fetch(`${service.url}/health/ready`)).status).toBe(200);
      const status = await waitFor(
        async () => {
          const parsed = serviceStatusSchema.parse(await (await fetch(`${service.url}/status`)).json());
          const partitions = parsed.consumers[0]?.partitions ?? [];
          return partitions.length === 2 && partitions.every((p) => p.lag === 0) ? parsed : undefined;
        },
        { description: 'the group lag to reach zero' },
      );
      expect(status.service).toBe('lake-sink');
      // two members in threads (which of them sank the rows depends on when each joined): the status is their sum
      const sunk = await service.status();
      expect(sunk.rowsCommitted).toBe(30);
      expect(sunk.members?.map((m) => [m.member, m.state])).toEqual([
        [0, 'running'],
        [1, 'running'],
      ]);
      expect(sunk.members?.reduce((sum, m) => sum + m.rowsCommitted, 0)).toBe(30);
    } finally {
      await service.stop();
    }
  });

  it('reads an s3:// lake, and refuses a bad bucket, a + in the prefix, half a key pair and a bad crash hook at startup', () => {
    expect(loadConfig({ LAKE_URL: 's3://waggle-lake/dev/lake/', LAKE_S3_ENDPOINT: 'http://127.0.0.1:9070' }).lake).toMatchObject({
      location: { kind: 's3', bucket: 'waggle-lake', prefix: 'dev/lake' },
      s3: { endpoint: 'http://127.0.0.1:9070', forcePathStyle: true, region: 'us-east-1' },
    });
    expect(() => loadConfig({ LAKE_URL: 's3://Bad_Bucket/lake' })).toThrow(/bucket name/);
    expect(() => loadConfig({ LAKE_URL: 's3://bucket/a+b' })).toThrow(/no \+/);
    expect(() => loadConfig({ LAKE_URL: 'gs://bucket/lake' })).toThrow(/file:\/\/… or s3:\/\//);
    expect(() => loadConfig({ LAKE_URL: 's3://bucket', LAKE_S3_ACCESS_KEY_ID: 'k' })).toThrow(/go together/);
    expect(() => loadConfig({ LAKE_CRASH_AT: 'sometimes' })).toThrow(/LAKE_CRASH_AT/);
  });
});
