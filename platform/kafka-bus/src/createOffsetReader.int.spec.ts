import { uniqueName, waitFor } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { createOffsetReader } from './createOffsetReader.ts';
import { createProducer } from './createProducer.ts';
import { createTopics } from './createTopics.ts';

const stack = inject('stack');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const topic = uniqueName('offset-reader');

/** Groups that hold a committed offset on `topic`. */
const groupsWithOffsets = async (): Promise<string[]> => {
  const admin = new Kafka({ brokers: [stack.kafkaBrokers], clientId: 'offset-reader-test', logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const { groups } = await admin.listGroups();
    const holding: string[] = [];
    for (const { groupId } of groups) {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      if (offsets?.partitions.some((p) => Number(p.offset) >= 0)) holding.push(groupId);
    }
    return holding;
  } finally {
    await admin.disconnect();
  }
};

beforeAll(async () => {
  await createTopics(stack.kafkaBrokers, [{ topic, partitions: 2 }]);
  const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'offset-reader-test', logger: quiet });
  await producer.start();
  for (const partition of [0, 1])
    await producer.send(
      Array.from({ length: 10 }, (_, i) => ({ topic, partition, key: `k${partition}`, value: Buffer.from(`${partition}-${i}`) })),
    );
  await producer.stop();
});

describe('an offset reader', () => {
  describe('given a start offset for one partition and none for the other', () => {
    it('reads that one from its offset and the other from its earliest record, in order, and commits nothing', async () => {
      const seen: string[] = [];
      const reader = createOffsetReader({
        brokers: stack.kafkaBrokers,
        topics: [topic],
        from: new Map([[`${topic}:0`, 6n]]),
        logger: quiet,
        onBatch: async (records) => {
          seen.push(...records.map((r) => `${r.partition}@${r.offset}=${String(r.value)}`));
          return Promise.resolve();
        },
      });
      await reader.start();
      await waitFor(() => seen.length >= 14, { description: '14 records', timeoutMs: 20_000 });
      await reader.stop();

      expect(seen.filter((s) => s.startsWith('0@'))).toEqual(['0@6=0-6', '0@7=0-7', '0@8=0-8', '0@9=0-9']);
      expect(seen.filter((s) => s.startsWith('1@'))).toEqual(Array.from({ length: 10 }, (_, i) => `1@${i}=1-${i}`));
      expect(await groupsWithOffsets()).toEqual([]);
    });
  });

  describe('given a handler that fails', () => {
    it('hands nothing more and rejects `failed` with the error', async () => {
      let calls = 0;
      const reader = createOffsetReader({
        brokers: stack.kafkaBrokers,
        topics: [topic],
        from: new Map(),
        logger: quiet,
        onBatch: () => {
          calls += 1;
          return Promise.reject(new Error('cannot apply this'));
        },
      });
      await reader.start();
      await expect(reader.failed).rejects.toThrow('cannot apply this');
      const after = calls;
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await reader.stop();
      expect(calls).toBe(after);
    });
  });
});
