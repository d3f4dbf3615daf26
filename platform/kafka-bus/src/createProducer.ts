import { isRetriable } from '@waggle/errors';
import { Partitioners, type Message, type Producer as KafkaProducer } from 'kafkajs';
import { createBatcher } from './createBatcher.ts';
import { createKafkaClient, type Brokers } from './createKafkaClient.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { toBusError } from './toBusError.ts';

/**
 * One record to produce. `partition` is normally left out: the key picks it (murmur2, as the Java client does).
 * A `null` key exists only to copy keyless records (dead letters); events are keyed by aggregate id.
 */
export type ProducerRecord = {
  readonly topic: string;
  readonly key: string | Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, string | Buffer | readonly (string | Buffer)[]>>;
  readonly partition?: number;
};

/** An idempotent, batching Kafka producer. */
export type Producer = {
  readonly start: () => Promise<void>;
  /**
   * Resolves when the broker acknowledged every record (acks=all); rejects with a `TransientError` (worth retrying)
   * or a non-retriable `WaggleError`. Records with the same key keep their order across calls from one producer.
   */
  readonly send: (records: readonly ProducerRecord[]) => Promise<void>;
  /** Sends what is pending, then disconnects. */
  readonly stop: () => Promise<void>;
};

export type ProducerOptions = {
  readonly brokers: Brokers;
  readonly clientId: string;
  /** How long a record waits for others to share its request (default 2 ms). */
  readonly lingerMs?: number;
  /** A batch goes out at once when this many records wait (default 1000). */
  readonly maxBatchRecords?: number;
  readonly logger?: Logger;
};

const toMessage = (record: ProducerRecord): Message => ({
  key: record.key,
  value: record.value,
  ...(record.headers === undefined ? {} : { headers: record.headers as Message['headers'] }),
  ...(record.partition === undefined ? {} : { partition: record.partition }),
});

/** Groups records by topic for one `sendBatch`, keeping their order within each topic. */
const byTopic = (records: readonly ProducerRecord[]): { topic: string; messages: Message[] }[] => {
  const topics = new Map<string, Message[]>();
  for (const record of records) {
    const messages = topics.get(record.topic) ?? [];
    messages.push(toMessage(record));
    topics.set(record.topic, messages);
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
};

/**
 * Creates an idempotent producer (acks=all, one request in flight per broker, which kafkajs's idempotence needs
 * to keep sequence numbers, and so per-key order, across retries). Concurrent `send()` calls within `lingerMs` are
 * coalesced into one `sendBatch` spanning topics. kafkajs retries transient failures without limit for an
 * idempotent producer, so `send()` waits out a broker restart rather than failing.
 */
export const createProducer = (options: ProducerOptions): Producer => {
  const logger = options.logger ?? consoleLogger;
  const kafka = createKafkaClient({ brokers: options.brokers, clientId: options.clientId, logger });
  const producer: KafkaProducer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  let state: 'new' | 'started' | 'stopped' = 'new';

  const batcher = createBatcher<ProducerRecord>({
    lingerMs: options.lingerMs ?? 2,
    maxBatchSize: options.maxBatchRecords ?? 1000,
    retryAlone: (error) => !isRetriable(error),
    sendBatch: async (records) => {
      try {
        await producer.sendBatch({ acks: -1, topicMessages: byTopic(records) });
      } catch (error) {
        throw toBusError(error, `producing ${records.length} record(s)`);
      }
    },
  });

  return {
    start: async () => {
      if (state !== 'new') return;
      await producer.connect();
      state = 'started';
    },
    send: (records) => {
      if (state !== 'started')
        return Promise.reject(new Error(`producer ${options.clientId} is ${state === 'new' ? 'not started' : 'stopped'}`));
      return batcher.add(records);
    },
    stop: async () => {
      if (state !== 'started') {
        state = 'stopped';
        return;
      }
      state = 'stopped';
      await batcher.flush();
      await producer.disconnect();
    },
  };
};
