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
  it('answers readiness once joined and a waggle /status with its group lag falling to zero', async () => {
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
      PORT: '0',
      LOG_LEVEL: 'silent',
    });
    expect(config.lakeDir).toBe(lakeDir);
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
      expect(service.status().rowsCommitted).toBe(30);
    } finally {
      await service.stop();
    }
  });

  it('refuses an s3:// lake and a bad crash-hook setting at startup', () => {
    expect(() => loadConfig({ LAKE_URL: 's3://bucket/lake' })).toThrow(/only file:\/\//);
    expect(() => loadConfig({ LAKE_CRASH_AT: 'sometimes' })).toThrow(/LAKE_CRASH_AT/);
  });
});
