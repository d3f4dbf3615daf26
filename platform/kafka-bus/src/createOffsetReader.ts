import { randomUUID } from 'node:crypto';
import type { Consumer as KafkaConsumer } from 'kafkajs';
import { toConsumedRecord, type ConsumedRecord } from './consumedRecord.ts';
import { createKafkaClient, type Brokers } from './createKafkaClient.ts';
import { groupJoined } from './groupJoined.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { toBusError } from './toBusError.ts';

/** Reads topics from given offsets without taking part in anyone's consumer group. */
export type OffsetReader = {
  /** Connects and resolves once the reader has its partitions; batches then flow to `onBatch`. */
  readonly start: () => Promise<void>;
  /** Stops handing out batches at once, then disconnects. */
  readonly stop: () => Promise<void>;
};

export type OffsetReaderOptions = {
  readonly brokers: Brokers;
  readonly topics: readonly string[];
  /** The first offset to read per `topic:partition`; a partition not named starts at its earliest record. */
  readonly from: ReadonlyMap<string, bigint>;
  /**
   * Each fetched batch of one partition, in offset order (never empty); the partition's next batch waits for the
   * promise, the other partitions' do not. A rejection stops the reader: `failed` rejects with it.
   */
  readonly onBatch: (records: ConsumedRecord<never>[]) => Promise<void>;
  readonly clientId?: string;
  readonly logger?: Logger;
  /** Most bytes per partition and per fetch (kafkajs's defaults 1 MiB and 10 MiB): a bulk read wants more. */
  readonly maxBytesPerPartition?: number;
  readonly maxBytes?: number;
};

/**
 * Creates a reader of `topics` from the offsets in `from`, in a throwaway consumer group of its own
 * (`waggle-read-<uuid>`) that never commits, so that a rebuild can read history at full speed with its position
 * kept where it belongs (with the documents that reflect it) rather than in Kafka. kafkajs has no manual
 * assignment, hence the group and a seek once it has joined; records before `from` that a first fetch brought
 * anyway are dropped. Partitions are read concurrently.
 */
export const createOffsetReader = (options: OffsetReaderOptions): OffsetReader & { readonly failed: Promise<never> } => {
  const groupId = `waggle-read-${randomUUID()}`;
  const logger = options.logger ?? consoleLogger;
  const kafka = createKafkaClient({ brokers: options.brokers, clientId: options.clientId ?? 'waggle-read', logger });
  const consumer: KafkaConsumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 500,
    allowAutoTopicCreation: false,
    ...(options.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: options.maxBytesPerPartition }),
    ...(options.maxBytes === undefined ? {} : { maxBytes: options.maxBytes }),
  });
  let state: 'new' | 'running' | 'stopped' = 'new';
  let handing = true;
  // the next offset to hand per partition: a fetch from before the seek took effect brings records again, dropped here
  const next = new Map(options.from);
  let fail: (error: unknown) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  // a caller that never looks at `failed` should not see an unhandled rejection
  failed.catch(() => undefined);

  return {
    failed,
    start: async () => {
      if (state !== 'new') throw new Error('an offset reader starts once; create a new one');
      state = 'running';
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
        const joined = groupJoined(consumer);
        await consumer.run({
          autoCommit: false,
          partitionsConsumedConcurrently: 16,
          eachBatch: async (payload) => {
            const { batch } = payload;
            if (!handing || !payload.isRunning() || payload.isStale()) return;
            const key = `${batch.topic}:${batch.partition}`;
            const first = next.get(key) ?? 0n;
            const records = batch.messages
              .filter((message) => BigInt(message.offset) >= first)
              .map((message) => toConsumedRecord(batch.topic, batch.partition, message));
            const last = records.at(-1);
            if (last === undefined) return;
            try {
              await options.onBatch(records);
              next.set(key, BigInt(last.offset) + 1n);
            } catch (error) {
              handing = false;
              fail(error);
              // the caller stops the reader; kafkajs must not fetch this partition again meanwhile
              consumer.pause([{ topic: batch.topic }]);
            }
          },
        });
        for (const [key, offset] of options.from) {
          const at = key.lastIndexOf(':');
          consumer.seek({ topic: key.slice(0, at), partition: Number(key.slice(at + 1)), offset: offset.toString() });
        }
        await joined;
      } catch (error) {
        state = 'stopped';
        handing = false;
        await consumer.disconnect().catch(() => undefined);
        throw toBusError(error, `reading ${options.topics.join(', ')}`);
      }
    },
    stop: async () => {
      handing = false;
      if (state !== 'running') return;
      state = 'stopped';
      await consumer.disconnect();
    },
  };
};
