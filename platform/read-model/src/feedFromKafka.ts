import { createOffsetReader, type Brokers, type ConsumedRecord, type ConsumerContext, type Logger } from '@waggle/kafka-bus';
import { partitionKey } from './versionGate.ts';

/** Where a fed partition is: the next offset to apply, and its end as last seen. */
export type FedPartition = { readonly topic: string; readonly partition: number; readonly next: bigint; readonly high: bigint };

export type FeedFromKafkaOptions<E> = {
  readonly brokers: Brokers;
  readonly topics: readonly string[];
  readonly clientId: string;
  readonly logger: Logger;
  /** The next offset to apply and the end offset (one past the last record) to reach, per `topic:partition`. */
  readonly from: ReadonlyMap<string, bigint>;
  readonly ends: ReadonlyMap<string, bigint>;
  readonly decode: (record: ConsumedRecord<never>) => Promise<E>;
  /** The version's batch handler (into its buffer): documents, then the offset they reflect. */
  readonly handleBatch: (records: ConsumedRecord<E>[], context: ConsumerContext) => Promise<void>;
  readonly groupId: string;
  /** Most records per `handleBatch` call. */
  readonly batchRecords: number;
  /** Whether what the handler applied is due to be written (a checkpoint); `flush` writes it with no batch in hand. */
  readonly flushDue: () => boolean;
  readonly flush: () => Promise<void>;
  readonly onProgress: (partitions: readonly FedPartition[]) => void;
  readonly isRunning: () => boolean;
};

const idleCheckMs = 200;

/**
 * Feeds a rebuild from its topics at the speed of a bulk read: a reader outside any consumer group reads every
 * partition from `from` to `ends`, decodes and hands the records to the version's handler partition by partition
 * in offset order, and asks for a flush whenever one is due, with every batch out of the handler while it runs
 * (so a checkpoint's offsets cover only batches whose documents it writes). Resolves with `finished` once every
 * partition has reached its end and the last flush is written, or `false` when stopped first (`isRunning`); a
 * failing decode, handler or flush stops the feed and rejects with its error after the reader stopped.
 */
export const feedFromKafka = async <E>(
  options: FeedFromKafkaOptions<E>,
): Promise<{ readonly finished: boolean; readonly events: number }> => {
  const positions = new Map<string, FedPartition>();
  for (const [key, high] of options.ends) {
    const at = key.lastIndexOf(':');
    positions.set(key, { topic: key.slice(0, at), partition: Number(key.slice(at + 1)), next: options.from.get(key) ?? 0n, high });
  }
  const reached = (): boolean => [...positions.values()].every((p) => p.next >= p.high);
  let events = 0;
  let inHand = 0;
  let flushing: Promise<void> | undefined;
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));

  const flushNow = (): Promise<void> => {
    flushing ??= (async () => {
      while (inHand > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await options.flush();
    })().finally(() => (flushing = undefined));
    return flushing;
  };
  const context: ConsumerContext = { groupId: options.groupId, heartbeat: () => Promise.resolve(), isRunning: options.isRunning };

  const reader = createOffsetReader({
    brokers: options.brokers,
    topics: options.topics,
    from: options.from,
    clientId: options.clientId,
    logger: options.logger,
    // what a checkpoint folds spans fetches, so a fetch need not be large: larger ones only cost memory
    maxBytesPerPartition: 4 * 1024 * 1024,
    maxBytes: 16 * 1024 * 1024,
    onBatch: async (records) => {
      const first = records[0]!;
      const key = partitionKey(first.topic, first.partition);
      for (let i = 0; i < records.length && options.isRunning(); i += options.batchRecords) {
        // decoded a chunk at a time: a fetch brings up to 4 MiB of a partition, many times that once decoded
        const chunk = await Promise.all(
          records.slice(i, i + options.batchRecords).map(async (record) => ({ ...record, event: await options.decode(record) })),
        );
        while (flushing !== undefined) await flushing;
        inHand += 1;
        try {
          await options.handleBatch(chunk, context);
        } finally {
          inHand -= 1;
        }
        const known = positions.get(key);
        if (known !== undefined) positions.set(key, { ...known, next: BigInt(chunk.at(-1)!.offset) + 1n });
        events += chunk.length;
        options.onProgress([...positions.values()]);
        // between two chunks this partition holds nothing half-applied
        if (options.flushDue()) await flushNow();
      }
      if (reached()) finish();
    },
  });

  options.onProgress([...positions.values()]);
  if (reached()) return { finished: true, events: 0 };
  await reader.start();
  try {
    for (;;) {
      const done = await Promise.race([
        finished.then(() => true),
        reader.failed,
        new Promise<false>((resolve) => setTimeout(() => resolve(false), idleCheckMs)),
      ]);
      if (done || !options.isRunning()) break;
    }
  } finally {
    await reader.stop();
    if (flushing !== undefined) await flushing.catch(() => undefined);
  }
  if (!reached()) return { finished: false, events };
  await flushNow();
  return { finished: true, events };
};
