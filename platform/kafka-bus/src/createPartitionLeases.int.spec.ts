import { setTimeout as delay } from 'node:timers/promises';
import { uniqueName, waitFor } from '@waggle/testing';
import { describe, expect, inject, it } from 'vitest';
import { createPartitionLeases } from './createPartitionLeases.ts';
import type { Logger } from './logger.ts';

const { kafkaBrokers } = inject('stack');
const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('partition leases', () => {
  describe('given two instances sharing the leases, one of them stopping while its work takes a while to stop', () => {
    it(
      'gives the work up before leaving the group: the other is handed it only once the first has stopped it',
      { timeout: 90_000 },
      async () => {
        const groupId = uniqueName('leases');
        const topic = uniqueName('leases');
        let firstHeld: readonly number[] = [];
        let secondHeld: readonly number[] = [];
        let firstStopping = false;
        let firstReleasedAt = Number.POSITIVE_INFINITY;
        let secondTookAllAt = 0;
        const first = createPartitionLeases({
          brokers: kafkaBrokers,
          groupId,
          topic,
          partitions: 2,
          logger: quiet,
          onAssigned: async (partitions) => {
            if (firstStopping && partitions.length === 0 && firstHeld.length > 0) {
              await delay(3_000); // the in-flight work of a lane finishing
              firstReleasedAt = Date.now();
            }
            firstHeld = partitions;
          },
        });
        const second = createPartitionLeases({
          brokers: kafkaBrokers,
          groupId,
          topic,
          partitions: 2,
          logger: quiet,
          onAssigned: (partitions) => {
            secondHeld = partitions;
            if (partitions.length === 2 && secondTookAllAt === 0) secondTookAllAt = Date.now();
            return Promise.resolve();
          },
        });
        try {
          await first.start();
          await waitFor(() => firstHeld.length === 2, { timeoutMs: 30_000, description: 'the first instance holding both' });
          await second.start();
          await waitFor(() => firstHeld.length === 1 && secondHeld.length === 1, { timeoutMs: 30_000, description: 'one each' });
          firstStopping = true;
          await first.stop();
          await waitFor(() => secondHeld.length === 2, { timeoutMs: 30_000, description: 'the second instance holding both' });
          expect(firstHeld).toEqual([]);
          expect(secondTookAllAt).toBeGreaterThanOrEqual(firstReleasedAt);
        } finally {
          await second.stop();
        }
      },
    );
  });
});
