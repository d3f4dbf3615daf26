import { randomUUID } from 'node:crypto';
import type { Consumer as KafkaConsumer } from 'kafkajs';
import { toConsumedRecord, type ConsumedRecord } from './consumedRecord.ts';
import { createKafkaClient, type Brokers } from './createKafkaClient.ts';
import { groupJoined } from './groupJoined.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { toBusError } from './toBusError.ts';

/** Reads a topic for people and scripts, without taking part in anyone's consumer group. */
export type TailReader = {
  /** Connects and resolves once the reader has its partitions; records then flow to `onRecord`. */
  readonly start: () => Promise<void>;
  /** Stops handing out records at once, then disconnects. Safe to call from `onRecord` without awaiting it. */
  readonly stop: () => Promise<void>;
};

export type TailReaderOptions = {
  readonly brokers: Brokers;
  readonly topic: string;
  /** Start at the earliest retained record (true) or at the end, new records only (default). */
  readonly fromBeginning?: boolean;
  /** Called for each record in turn, partition by partition in offset order; the next waits for its promise. */
  readonly onRecord: (record: ConsumedRecord<never>) => Promise<void> | void;
  readonly clientId?: string;
  readonly logger?: Logger;
};

/**
 * Creates a reader of one topic in a throwaway consumer group of its own (`waggle-tail-<uuid>`) that never commits
 * an offset, so tailing neither moves nor rebalances any service's group and leaves nothing behind to resume from.
 * kafkajs has no manual partition assignment, hence the group.
 */
export const createTailReader = (options: TailReaderOptions): TailReader => {
  const groupId = `waggle-tail-${randomUUID()}`;
  const kafka = createKafkaClient({
    brokers: options.brokers,
    clientId: options.clientId ?? 'waggle-tail',
    logger: options.logger ?? consoleLogger,
  });
  const consumer: KafkaConsumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
  let state: 'new' | 'running' | 'stopped' = 'new';

  return {
    start: async () => {
      if (state !== 'new') throw new Error('a tail reader starts once; create a new one');
      state = 'running';
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning ?? false });
        const joined = groupJoined(consumer);
        await consumer.run({
          autoCommit: false,
          eachMessage: async ({ topic, partition, message }) => {
            // records already fetched keep arriving for a moment after stop(); nobody wants them
            if (state !== 'running') return;
            await options.onRecord(toConsumedRecord(topic, partition, message));
          },
        });
        await joined;
      } catch (error) {
        state = 'stopped';
        // the failure to start is what the caller needs to hear about, not a failure to hang up afterwards
        await consumer.disconnect().catch(() => undefined);
        throw toBusError(error, `tailing ${options.topic}`);
      }
    },
    stop: async () => {
      if (state === 'stopped') return;
      state = 'stopped';
      await consumer.disconnect();
    },
  };
};
