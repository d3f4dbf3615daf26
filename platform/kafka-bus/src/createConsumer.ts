import { isRetriable } from '@waggle/errors';
import type { Admin, Consumer as KafkaConsumer, EachBatchPayload, IHeaders, KafkaMessage } from 'kafkajs';
import { computeBackoff } from './computeBackoff.ts';
import { toConsumedRecord, type ConsumedRecord } from './consumedRecord.ts';
import { createKafkaClient, type Brokers } from './createKafkaClient.ts';
import { groupJoined } from './groupJoined.ts';
import { createProducer } from './createProducer.ts';
import { toDeadLetterHeaders } from './deadLetterHeaders.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { toBusError } from './toBusError.ts';

/** What a handler may use while it runs. */
export type ConsumerContext = {
  readonly groupId: string;
  /** Call during long work so the group does not evict this member (kafkajs throttles it to `heartbeatInterval`). */
  readonly heartbeat: () => Promise<void>;
  /** False once `stop()` was called: a long handler may finish early by throwing a retriable error. */
  readonly isRunning: () => boolean;
};

/** Lag of one partition for the group: `committed` is `-1` while the group has committed nothing there. */
export type PartitionLag = {
  readonly topic: string;
  readonly partition: number;
  readonly committed: string;
  readonly high: string;
  readonly lag: number;
};

/** A consumer-group member that runs a handler with retries and dead-lettering. */
export type Consumer = {
  /** Connects, subscribes and resolves once the member has joined its group. */
  readonly start: () => Promise<void>;
  /** Finishes the record or batch in hand, commits, leaves the group and disconnects. */
  readonly stop: () => Promise<void>;
  /** Per-partition lag of this consumer's group on its topics. */
  readonly lag: () => Promise<PartitionLag[]>;
};

type Handlers<E> =
  | {
      /** Handles one record; its promise resolving means the effect is durable and the offset may be committed. */
      readonly handle: (record: ConsumedRecord<E>, context: ConsumerContext) => Promise<void>;
      readonly handleBatch?: never;
    }
  | {
      /**
       * Handles consecutive records of one partition at once (a read model's single bulk write). When it fails,
       * the same records are handed over again one at a time, so a poison record is found and dead-lettered alone.
       */
      readonly handleBatch: (records: ConsumedRecord<E>[], context: ConsumerContext) => Promise<void>;
      readonly handle?: never;
    };

export type ConsumerOptions<E> = Handlers<E> & {
  readonly brokers: Brokers;
  readonly groupId: string;
  readonly clientId: string;
  readonly topics: readonly string[];
  /**
   * Turns a record's bytes into an event before the handler sees it. Throwing a non-retriable error
   * (`UndecodableError`: bad magic byte, unknown schema id) dead-letters the record without calling the handler;
   * a retriable one (registry unreachable) is retried like a handler failure.
   */
  readonly decode?: (record: ConsumedRecord<never>) => E | Promise<E>;
  /** Partitions handled at the same time (kafkajs `partitionsConsumedConcurrently`, default 3). */
  readonly concurrency?: number;
  /** Retries of a record failing with a retriable error before it is dead-lettered (default 5, so 6 attempts). */
  readonly maxRetries?: number;
  /** Backoff before retry n is uniform in [0, min(retryMaxMs, retryBaseMs * 2^(n-1))] (defaults 200 ms, 10 s). */
  readonly retryBaseMs?: number;
  readonly retryMaxMs?: number;
  /** Where a group without committed offsets starts: the earliest record (true) or new records only (default). */
  readonly fromBeginning?: boolean;
  /** The dead-letter topic for a source topic (default `<topic>.dlq`). */
  readonly dlqTopic?: (topic: string) => string;
  /** Most records per `handleBatch` call (default 500). */
  readonly maxBatchRecords?: number;
  /** How long a fetch waits for data (default 100 ms; kafkajs's 5 s default adds seconds of latency). */
  readonly maxWaitTimeMs?: number;
  readonly sessionTimeoutMs?: number;
  readonly logger?: Logger;
};

type Failure = { readonly message: KafkaMessage; readonly error: unknown };
type Attempts = { readonly offset: string; readonly count: number };

const nextOffset = (offset: string): string => (BigInt(offset) + 1n).toString();

type OutgoingHeaders = Record<string, string | Buffer | (string | Buffer)[]>;

/** The original headers byte for byte, with the dead-letter headers added (repeated if already present). */
const withDeadLetterHeaders = (original: IHeaders | undefined, added: Record<string, Buffer>): OutgoingHeaders => {
  const headers: OutgoingHeaders = {};
  for (const [name, value] of Object.entries(original ?? {})) if (value !== undefined) headers[name] = value;
  for (const [name, value] of Object.entries(added)) {
    const existing = headers[name];
    headers[name] = existing === undefined ? value : [...(Array.isArray(existing) ? existing : [existing]), value];
  }
  return headers;
};

/**
 * Creates a consumer-group member on kafkajs `eachBatch` with offsets resolved by hand: a record's offset is
 * committed only after its handler resolved, so delivery is at-least-once and handlers must be idempotent (see
 * `isNewerVersion`). Order is kept per partition; partitions run concurrently.
 *
 * A failing record is retried when its error is retriable (`isRetriable`): the partition is paused for an
 * exponential backoff with full jitter and resumed, so the member keeps heartbeating and other partitions keep
 * flowing. A non-retriable error, exhausted retries or an undecodable record sends the record to the dead-letter
 * topic with its original key, value and headers plus Spring Kafka's `kafka_dlt-*` headers
 * (`deadLetterHeaderNames`), then commits right away and moves on. The dead-letter topic is created when first
 * needed, with the source topic's partition count, and a dead letter goes to the partition it came from.
 */
export const createConsumer = <E = undefined>(options: ConsumerOptions<E>): Consumer => {
  const logger = options.logger ?? consoleLogger;
  const { groupId, topics } = options;
  const kafka = createKafkaClient({ brokers: options.brokers, clientId: options.clientId, logger });
  const consumer: KafkaConsumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 100,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    allowAutoTopicCreation: false,
  });
  const admin: Admin = kafka.admin();
  const dlqProducer = createProducer({ brokers: options.brokers, clientId: `${options.clientId}-dlq`, lingerMs: 0, logger });
  const dlqTopicFor = options.dlqTopic ?? ((topic: string) => `${topic}.dlq`);
  const maxRetries = options.maxRetries ?? 5;
  const backoff = { baseMs: options.retryBaseMs ?? 200, maxMs: options.retryMaxMs ?? 10_000 };
  const maxBatchRecords = options.handleBatch === undefined ? 1 : (options.maxBatchRecords ?? 500);

  const attempts = new Map<string, Attempts>();
  const resumeTimers = new Set<NodeJS.Timeout>();
  const dlqPartitions = new Map<string, Promise<number>>();
  let state: 'new' | 'running' | 'stopped' = 'new';

  const runHandler = async (records: ConsumedRecord<E>[], context: ConsumerContext): Promise<void> => {
    if (options.handleBatch !== undefined) return options.handleBatch(records, context);
    const [record] = records;
    if (record !== undefined) await options.handle(record, context);
  };

  const decodeRecord = async (topic: string, partition: number, message: KafkaMessage): Promise<ConsumedRecord<E>> => {
    const record = toConsumedRecord(topic, partition, message);
    if (options.decode === undefined) return record;
    return { ...record, event: await options.decode(record) };
  };

  /** Partition count of the dead-letter topic, creating it like its source when missing. */
  const ensureDlqTopic = (topic: string): Promise<number> => {
    const known = dlqPartitions.get(topic);
    if (known !== undefined) return known;
    const dlq = dlqTopicFor(topic);
    const created = (async () => {
      const [source] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{ topic: dlq, numPartitions: source?.partitions.length ?? 1, replicationFactor: -1 }],
      });
      const [target] = (await admin.fetchTopicMetadata({ topics: [dlq] })).topics;
      return target?.partitions.length ?? 0;
    })();
    dlqPartitions.set(topic, created);
    // a failed attempt is forgotten so the next dead letter tries again
    created.catch(() => dlqPartitions.delete(topic));
    return created;
  };

  const deadLetter = async (topic: string, partition: number, { message, error }: Failure, count: number): Promise<void> => {
    const partitions = await ensureDlqTopic(topic);
    const headers = toDeadLetterHeaders({
      originalTopic: topic,
      originalPartition: partition,
      originalOffset: message.offset,
      originalTimestamp: Number(message.timestamp),
      consumerGroup: groupId,
      attempts: count,
      error,
    });
    await dlqProducer.send([
      {
        topic: dlqTopicFor(topic),
        key: message.key,
        value: message.value,
        headers: withDeadLetterHeaders(message.headers, headers),
        ...(partition < partitions ? { partition } : {}),
      },
    ]);
  };

  const pauseFor = (topic: string, partition: number, delayMs: number): void => {
    consumer.pause([{ topic, partitions: [partition] }]);
    const timer = setTimeout(() => {
      resumeTimers.delete(timer);
      if (state === 'running') consumer.resume([{ topic, partitions: [partition] }]);
    }, delayMs);
    resumeTimers.add(timer);
  };

  /** Retries or dead-letters one failed record; false when the partition was paused and this batch must end. */
  const onFailure = async (payload: EachBatchPayload, failure: Failure): Promise<boolean> => {
    const { topic, partition } = payload.batch;
    const { message, error } = failure;
    const key = `${topic}\u0000${partition}`;
    const previous = attempts.get(key);
    const count = (previous?.offset === message.offset ? previous.count : 0) + 1;
    const where = { topic, partition, offset: message.offset, groupId, attempt: count };
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (isRetriable(error) && count <= maxRetries) {
      attempts.set(key, { offset: message.offset, count });
      const delayMs = computeBackoff(count, backoff);
      logger.warn(`retrying record in ${delayMs} ms: ${reason}`, where);
      pauseFor(topic, partition, delayMs);
      return false;
    }
    try {
      await deadLetter(topic, partition, failure, count);
    } catch (dlqError) {
      // the record stays uncommitted and comes back after the pause, already past its retries
      attempts.set(key, { offset: message.offset, count });
      logger.error(`could not dead-letter record: ${toBusError(dlqError, 'dead-lettering').message}`, where);
      pauseFor(topic, partition, computeBackoff(count, backoff));
      return false;
    }
    logger.warn(`dead-lettered record to ${dlqTopicFor(topic)}: ${reason}`, where);
    payload.resolveOffset(message.offset);
    // committed at once, so a restart right after does not dead-letter the same record twice
    await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset(message.offset) }] }] });
    attempts.delete(key);
    return true;
  };

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { topic, partition, messages } = payload.batch;
    let heartbeatError: Error | undefined;
    const context: ConsumerContext = {
      groupId,
      heartbeat: () =>
        payload.heartbeat().catch((error: unknown) => {
          heartbeatError = error instanceof Error ? error : new Error(String(error));
          throw error;
        }),
      isRunning: () => payload.isRunning(),
    };
    let chunkLimit = maxBatchRecords;
    let index = 0;
    while (index < messages.length) {
      if (!payload.isRunning() || payload.isStale()) return;
      const chunk: ConsumedRecord<E>[] = [];
      let failure: Failure | undefined;
      for (const message of messages.slice(index, index + chunkLimit)) {
        try {
          chunk.push(await decodeRecord(topic, partition, message));
        } catch (error) {
          // an undecodable record is handled on its own once the records before it are through
          if (chunk.length === 0) failure = { message, error };
          break;
        }
      }
      const last = chunk.at(-1);
      if (last !== undefined) {
        const outcome = await runHandler(chunk, context).then(
          () => ({ ok: true as const }),
          (error: unknown) => ({ ok: false as const, error }),
        );
        if (outcome.ok) {
          payload.resolveOffset(last.offset);
          attempts.delete(`${topic}\u0000${partition}`);
          index += chunk.length;
          await payload.heartbeat();
          await payload.commitOffsetsIfNecessary();
          continue;
        }
        // a rebalance seen through the handler's heartbeat belongs to kafkajs, not to the retry logic
        if (heartbeatError !== undefined) throw heartbeatError;
        if (chunk.length > 1) {
          chunkLimit = 1;
          continue;
        }
        const message = messages[index];
        if (message !== undefined) failure = { message, error: outcome.error };
      }
      if (failure === undefined) return;
      if (!(await onFailure(payload, failure))) return;
      index += 1;
    }
  };

  const lag = async (): Promise<PartitionLag[]> => {
    const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
    const result: PartitionLag[] = [];
    for (const { topic, partitions } of committed) {
      const ends = await admin.fetchTopicOffsets(topic);
      for (const end of ends) {
        const offset = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
        const base = BigInt(offset) >= 0n ? BigInt(offset) : BigInt(end.low);
        result.push({ topic, partition: end.partition, committed: offset, high: end.high, lag: Number(BigInt(end.high) - base) });
      }
    }
    return result.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  };

  return {
    start: async () => {
      if (state !== 'new') throw new Error(`consumer ${groupId} was already started; create a new one`);
      state = 'running';
      await Promise.all([admin.connect(), dlqProducer.start(), consumer.connect()]);
      await consumer.subscribe({ topics: [...topics], fromBeginning: options.fromBeginning ?? false });
      const joined = groupJoined(consumer).catch((error: unknown) => {
        throw toBusError(error, `consumer ${groupId} crashed while joining`);
      });
      consumer.on(consumer.events.CRASH, (event) => {
        logger.error(`consumer crashed${event.payload.restart ? ', restarting' : ''}: ${event.payload.error.message}`, { groupId });
      });
      await consumer.run({
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.concurrency ?? 3,
        autoCommitInterval: 1000,
        eachBatch,
      });
      await joined;
    },
    stop: async () => {
      if (state !== 'running') {
        state = 'stopped';
        return;
      }
      state = 'stopped';
      for (const timer of resumeTimers) clearTimeout(timer);
      resumeTimers.clear();
      // kafkajs lets the batch in hand finish, commits what was resolved and leaves the group
      await consumer.disconnect();
      await dlqProducer.stop();
      await admin.disconnect();
    },
    lag,
  };
};
