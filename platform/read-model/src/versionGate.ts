import { TransientError } from '@waggle/errors';
import type { ConsumedRecord, ConsumerContext } from '@waggle/kafka-bus';

type Handle<E> = (records: ConsumedRecord<E>[], context: ConsumerContext) => Promise<void>;

/** Highest offset to apply per `topic:partition` while held; a partition without one is held entirely. */
export type Ceilings = ReadonlyMap<string, bigint>;

export const partitionKey = (topic: string, partition: number): string => `${topic}:${partition}`;

/**
 * Holds a version's consumer at given offsets, so that two versions can be compared at the same position while
 * their topics keep moving: a batch applies its records up to the ceiling, and the first record past it fails
 * with a retriable error, so the consumer pauses that partition and tries it again after its backoff (by then
 * released, or still held). Waiting inside the handler instead would take one of the consumer's concurrent
 * partition slots per held partition and could starve the partitions still on their way to the ceiling.
 */
export const createVersionGate = () => {
  let ceilings: Ceilings | undefined;
  // batches in hand, by the hold they began under: one that began before a hold may still write past its ceiling
  const inHand = new Map<symbol, Ceilings | undefined>();
  const handling =
    <E>(handle: Handle<E>): Handle<E> =>
    async (records, context) => {
      const id = Symbol('batch');
      inHand.set(id, ceilings);
      try {
        await handle(records, context);
      } finally {
        inHand.delete(id);
      }
    };
  return {
    wrap:
      <E>(inner: Handle<E>): Handle<E> =>
      async (records, context) => {
        const handle = handling(inner);
        const held = ceilings;
        const first = records[0];
        if (held === undefined || first === undefined) return handle(records, context);
        const ceiling = held.get(partitionKey(first.topic, first.partition)) ?? -1n;
        const below = records.filter((record) => BigInt(record.offset) <= ceiling);
        if (below.length > 0) await handle(below, context);
        if (below.length < records.length)
          throw new TransientError(
            `held after offset ${ceiling} of ${first.topic}/${first.partition} while two versions are compared for a switch`,
          );
      },
    /** Resolves once no batch that began before the current hold is still in hand, so what is stored stays put. */
    settled: async (): Promise<void> => {
      while ([...inHand.values()].some((began) => began !== ceilings)) await new Promise((resolve) => setTimeout(resolve, 20));
    },
    /** Holds at `at`, or moves a hold up to it. */
    hold: (at: Ceilings): void => {
      ceilings = at;
    },
    release: (): void => {
      ceilings = undefined;
    },
  };
};

export type VersionGate = ReturnType<typeof createVersionGate>;
