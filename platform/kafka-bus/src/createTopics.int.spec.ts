import { uniqueName } from '@waggle/testing';
import { ConfigResourceTypes, ConfigSource, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTopics } from './createTopics.ts';
import { describeTopics } from './describeTopics.ts';
import type { Logger } from './logger.ts';

const { kafkaBrokers } = inject('stack');
// an independent client to look at what the broker holds
const admin = new Kafka({ clientId: 'create-topics-test', brokers: kafkaBrokers.split(','), logLevel: logLevel.NOTHING }).admin();

/**
 * The topic's settings, as `value` when set on the topic itself and `(inherited) value` otherwise: the local stack's
 * broker keeps records for ever by default, a cluster's does not.
 */
const settingsOf = async (topic: string): Promise<Record<string, string>> => {
  const { resources } = await admin.describeConfigs({
    includeSynonyms: false,
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
  });
  return Object.fromEntries(
    (resources[0]?.configEntries ?? []).map((entry) => [
      entry.configName,
      entry.configSource === ConfigSource.TOPIC_CONFIG ? entry.configValue : `(inherited) ${entry.configValue}`,
    ]),
  );
};

beforeAll(() => admin.connect());
afterAll(() => admin.disconnect());

describe('createTopics', () => {
  describe('given several services creating the same new topics at once, as they do when a system starts', () => {
    it('creates each topic once, and every caller returns only when all partitions have a leader', async () => {
      const topics = [uniqueName('shared-a'), uniqueName('shared-b'), uniqueName('shared-c')];
      const callers = await Promise.all(
        Array.from({ length: 6 }, () =>
          createTopics(
            kafkaBrokers,
            topics.map((topic) => ({ topic, partitions: 3 })),
          ),
        ),
      );
      expect(callers.flat().sort()).toEqual([...topics].sort());
      const described = await describeTopics(kafkaBrokers);
      for (const topic of topics) {
        const partitions = described.find((t) => t.topic === topic)?.partitions ?? [];
        expect(partitions).toHaveLength(3);
      }
    });
  });

  describe('given events and dead-letter topics, from which read models are rebuilt', () => {
    it('creates them keeping every record for ever, and other topics with the cluster defaults', async () => {
      const events = `${uniqueName('orders')}.events`;
      const deadLetters = `${events}.dlq`;
      const other = uniqueName('leases');
      await createTopics(
        kafkaBrokers,
        [events, deadLetters, other].map((topic) => ({ topic, partitions: 1 })),
      );
      for (const topic of [events, deadLetters]) {
        expect(await settingsOf(topic), topic).toMatchObject({ 'retention.ms': '-1', 'retention.bytes': '-1' });
      }
      expect((await settingsOf(other))['retention.ms']).toMatch(/^\(inherited\) /);
    });

    it('warns about an existing events topic that deletes records, naming it and its retention, and leaves it as it is', async () => {
      const events = `${uniqueName('orders')}.events`;
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: events, numPartitions: 1, configEntries: [{ name: 'retention.ms', value: '604800000' }] }],
      });
      const warnings: string[] = [];
      const logger: Logger = { info: () => undefined, warn: (message) => warnings.push(message), error: () => undefined };

      expect(await createTopics(kafkaBrokers, [{ topic: events, partitions: 1 }], { logger })).toEqual([]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`topic ${events} exists with retention.ms=604800000`);
      expect(warnings[0]).toContain('retention.ms=-1');
      expect((await settingsOf(events))['retention.ms']).toBe('604800000');
    });
  });
});
