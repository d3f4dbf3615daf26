import type { Admin, Consumer as KafkaConsumer, EachBatchPayload } from 'kafkajs';
import { toConsumedRecord, type ConsumedRecord } from './consumedRecord.ts';
import { createKafkaClient, type Brokers } from './createKafkaClient.ts';
import { groupJoined } from './groupJoined.ts';
import { consoleLogger, type Logger } from './logger.ts';
import { toBusError } from './toBusError.ts';

/**
 * Proof that this member holds a partition under one assignment. It stops holding at the next rebalance, a crash,
 * a resubscription or `stop()`, even when the same partition is handed back right after: work begun under an old
 * fence must not be finished under a new one.
 */
export type PartitionFence = {
  readonly topic: string;
  readonly partition: number;
  readonly isHeld: () => boolean;
};

/** Consecutive records of one partition, in offset order. */
export type SinkBatch = {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumedRecord<never>[];
  readonly fence: PartitionFence;
  /** Call during long work (a file being written) so the group does not evict this member. */
  readonly heartbeat: () => Promise<void>;
};

export type SinkConsumerOptions = {
  readonly brokers: Brokers;
  readonly groupId: string;
  readonly clientId: string;
  /** Every topic whose name matches is consumed; a matching topic created later is picked up within `topicRefreshMs`. */
  readonly topicPattern: RegExp;
  /** How often the topic list is checked for new matches (default 5 s). */
  readonly topicRefreshMs?: number;
  /**
   * Handles a batch. Nothing is committed for it: the handler commits with `commit()` once its effect is durable.
   * A handler that throws gets the same records again after a pause (the partition is rewound to the batch's start).
   */
  readonly onBatch: (batch: SinkBatch) => Promise<void>;
  /** Called (synchronously) whenever every fence held so far stopped holding. */
  readonly onRevoked?: () => void;
  readonly sessionTimeoutMs?: number;
  /** Partitions handled at the same time (default 4). */
  readonly concurrency?: number;
  /** How long an empty fetch waits at the broker (default 1 s; see `ConsumerOptions.maxWaitTimeMs`). */
  readonly maxWaitTimeMs?: number;
  /** Most bytes fetched per partition and request (kafkajs default 1 MiB). */
  readonly maxBytesPerPartition?: number;
  readonly logger?: Logger;
};

/** A consumer-group member for sinks: offsets are committed only when the sink says its write is durable. */
export type SinkConsumer = {
  /** Connects, subscribes to the matching topics and resolves once the member has joined its group. */
  readonly start: () => Promise<void>;
  /** Leaves the group and disconnects; every fence stops holding first. */
  readonly stop: () => Promise<void>;
  /** Commits `nextOffset` (the offset of the next record to read) for the fence's partition; false when the fence no longer holds or the commit failed. */
  readonly commit: (fence: PartitionFence, nextOffset: string) => Promise<boolean>;
  /** Makes the fence's partition continue at `offset` after the batch in hand; ignored when the fence no longer holds. */
  readonly seek: (fence: PartitionFence, offset: string) => void;
  /** The topics subscribed to now. */
  readonly topics: () => readonly string[];
  /** Per-partition lag of the group on the subscribed topics (committed offsets: they trail the sink's durable writes). */
  readonly lag: () => Promise<{ topic: string; partition: number; committed: string; high: string; lag: number }[]>;
  /** `running` once joined; `crashed` when kafkajs gave up. */
  readonly state: () => 'new' | 'running' | 'crashed' | 'stopped';
};

/**
 * Creates a consumer-group member that hands batches to a sink and commits nothing by itself (kafkajs auto-commit
 * and auto-resolve are off). Assignments are fenced: a rebalance, a crash or a resubscription ends every fence
 * before the member is given partitions again, so a revoked partition can neither be committed nor, when the sink
 * checks its fence, written. kafkajs resolves a RegExp subscription only once; here the topic list is polled and
 * the member resubscribes (a fresh kafkajs consumer in the same group) when a new matching topic appears.
 */
export const createSinkConsumer = (options: SinkConsumerOptions): SinkConsumer => {
  const logger = options.logger ?? consoleLogger;
  const { groupId } = options;
  const kafka = createKafkaClient({ brokers: options.brokers, clientId: options.clientId, logger });
  const admin: Admin = kafka.admin();
  let consumer: KafkaConsumer | undefined;
  let subscribed: readonly string[] = [];
  let generation = 0;
  const held = new Set<string>();
  // partitions the sink sought during the batch in hand
  const sought = new Set<string>();
  let state: 'new' | 'running' | 'crashed' | 'stopped' = 'new';
  let refreshTimer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> = Promise.resolve();

  const idOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

  const revokeAll = (why: string): void => {
    generation += 1;
    if (held.size > 0) logger.info(`sink consumer: ${why}; ${held.size} partition(s) revoked`, { groupId });
    held.clear();
    options.onRevoked?.();
  };

  const fenceFor = (topic: string, partition: number): PartitionFence => {
    const at = generation;
    const id = idOf(topic, partition);
    return { topic, partition, isHeld: () => state === 'running' && generation === at && held.has(id) };
  };

  const matching = async (): Promise<string[]> =>
    (await admin.listTopics()).filter((topic) => options.topicPattern.test(topic) && !topic.startsWith('_')).sort();

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { topic, partition, messages } = payload.batch;
    if (messages.length === 0 || !held.has(idOf(topic, partition))) return;
    const fence = fenceFor(topic, partition);
    const records = messages.map((message) => toConsumedRecord(topic, partition, message));
    const id = idOf(topic, partition);
    sought.delete(id);
    try {
      await options.onBatch({ topic, partition, records, fence, heartbeat: () => payload.heartbeat() });
      // resolving moves kafkajs's fetch position on (without auto-commit nothing is committed); a seek the sink
      // asked for during the batch wins
      const last = messages.at(-1);
      if (last !== undefined && !sought.has(id) && fence.isHeld()) payload.resolveOffset(last.offset);
    } catch (error) {
      const first = messages[0];
      logger.error(`sink consumer: batch failed, retrying it in 1 s: ${toBusError(error, 'handling a batch').message}`, {
        groupId,
        topic,
        partition,
        offset: first?.offset,
      });
      if (first !== undefined && fence.isHeld()) consumer?.seek({ topic, partition, offset: first.offset });
      payload.pause();
      // resumed whoever holds it by then: kafkajs keeps a pause across rebalances, so a partition handed back to
      // this member within the second would otherwise stay paused (for one it lost, resuming changes nothing)
      setTimeout(() => consumer?.resume([{ topic, partitions: [partition] }]), 1_000).unref();
    }
  };

  const run = async (topics: readonly string[]): Promise<void> => {
    const next = kafka.consumer({
      groupId,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 1000,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      allowAutoTopicCreation: false,
      ...(options.maxBytesPerPartition === undefined ? {} : { maxBytesPerPartition: options.maxBytesPerPartition }),
    });
    consumer = next;
    subscribed = topics;
    next.on(next.events.REBALANCING, () => revokeAll('rebalancing'));
    next.on(next.events.GROUP_JOIN, ({ payload }) => {
      revokeAll('joined again');
      for (const [topic, partitions] of Object.entries(payload.memberAssignment)) {
        for (const partition of partitions) held.add(idOf(topic, partition));
      }
      logger.info('sink consumer: assigned', { groupId, partitions: held.size });
    });
    next.on(next.events.CRASH, ({ payload }) => {
      revokeAll('crashed');
      logger.error(`sink consumer crashed${payload.restart ? ', restarting' : ''}: ${payload.error.message}`, { groupId });
      if (!payload.restart && consumer === next) state = 'crashed';
    });
    next.on(next.events.STOP, () => revokeAll('stopped'));
    await next.connect();
    if (topics.length > 0) await next.subscribe({ topics: [...topics], fromBeginning: true });
    const joined = topics.length === 0 ? Promise.resolve() : groupJoined(next);
    if (topics.length > 0) {
      await next.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.concurrency ?? 4,
        eachBatch,
      });
    }
    await joined;
  };

  const refresh = (): void => {
    restarting = restarting
      .then(async () => {
        if (state !== 'running') return;
        const topics = await matching();
        if (topics.join('\n') === subscribed.join('\n')) return;
        logger.info(`sink consumer: topics changed, resubscribing`, { groupId, topics });
        revokeAll('resubscribing');
        await consumer?.disconnect();
        await run(topics);
      })
      .catch((error: unknown) => logger.error(`sink consumer: resubscribing failed: ${String(error)}`, { groupId }))
      .finally(() => {
        if (state === 'running') refreshTimer = setTimeout(refresh, options.topicRefreshMs ?? 5_000);
      });
  };

  return {
    start: async () => {
      if (state !== 'new') throw new Error(`sink consumer ${groupId} was already started; create a new one`);
      state = 'running';
      await admin.connect();
      await run(await matching());
      refreshTimer = setTimeout(refresh, options.topicRefreshMs ?? 5_000);
    },
    stop: async () => {
      const was = state;
      state = 'stopped';
      clearTimeout(refreshTimer);
      revokeAll('stopping');
      if (was === 'new') return;
      await restarting;
      await consumer?.disconnect();
      await admin.disconnect();
    },
    commit: async (fence, nextOffset) => {
      if (!fence.isHeld() || consumer === undefined) return false;
      try {
        await consumer.commitOffsets([{ topic: fence.topic, partition: fence.partition, offset: nextOffset }]);
        return true;
      } catch (error) {
        logger.warn(`sink consumer: commit failed (the lake's manifest stays the truth): ${String(error)}`, {
          groupId,
          topic: fence.topic,
          partition: fence.partition,
        });
        return false;
      }
    },
    seek: (fence, offset) => {
      if (!fence.isHeld()) return;
      sought.add(idOf(fence.topic, fence.partition));
      consumer?.seek({ topic: fence.topic, partition: fence.partition, offset });
    },
    topics: () => subscribed,
    lag: async () => {
      if (subscribed.length === 0) return [];
      const committed = await admin.fetchOffsets({ groupId, topics: [...subscribed] });
      const result: { topic: string; partition: number; committed: string; high: string; lag: number }[] = [];
      for (const { topic, partitions } of committed) {
        for (const end of await admin.fetchTopicOffsets(topic)) {
          const offset = partitions.find((p) => p.partition === end.partition)?.offset ?? '-1';
          const base = BigInt(offset) >= 0n ? BigInt(offset) : BigInt(end.low);
          result.push({ topic, partition: end.partition, committed: offset, high: end.high, lag: Number(BigInt(end.high) - base) });
        }
      }
      return result.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    },
    state: () => state,
  };
};
