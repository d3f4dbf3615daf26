import { uniqueName } from '@waggle/testing';
import { describe, expect, inject, it } from 'vitest';
import { createTopics } from './createTopics.ts';
import { describeTopics } from './describeTopics.ts';

const { kafkaBrokers } = inject('stack');

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
});
