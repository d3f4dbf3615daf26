import { createKafkaClient, type Brokers } from './createKafkaClient.ts';
import { createTopics } from './createTopics.ts';
import { consoleLogger, type Logger } from './logger.ts';

export type PartitionLeasesOptions = {
  readonly brokers: Brokers;
  /** Instances sharing this group id share the partitions: each partition is held by one instance at a time. */
  readonly groupId: string;
  /** A coordination topic with one partition per lease; its records are only signals to the partition's holder. */
  readonly topic: string;
  readonly partitions: number;
  readonly clientId?: string;
  /**
   * Called with the partitions this instance now holds; `[]` when a rebalance starts, when the lease consumer
   * crashes, stops or disconnects, and at `stop()` before the instance leaves the group.
   */
  readonly onAssigned: (partitions: readonly number[]) => Promise<void>;
  readonly logger?: Logger;
  /** How long a silent instance keeps its leases before the group hands them to another (default 10 s). */
  readonly sessionTimeoutMs?: number;
  /** Called when another instance `signal`s a partition this instance holds (the relay: "I appended on your lane"). */
  readonly onSignal?: (partition: number) => void;
};

export type PartitionLeases = {
  readonly start: () => Promise<void>;
  readonly stop: () => Promise<void>;
  /** Tells whoever holds `partition` now (a tiny record on it, answered by that member's waiting fetch at once). */
  readonly signal: (partition: number) => Promise<void>;
};

/**
 * Kafka's group membership as a lease service: the partitions of a coordination topic stand for units of work
 * (outbox lanes, saga shards), and the consumer group protocol assigns each to one live instance, moving them
 * when an instance joins, leaves or dies.
 */
export const createPartitionLeases = (options: PartitionLeasesOptions): PartitionLeases => {
  const logger = options.logger ?? consoleLogger;
  const kafka = createKafkaClient({ brokers: options.brokers, clientId: options.clientId ?? options.groupId, logger });
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 10_000,
    heartbeatInterval: 1_000,
    rebalanceTimeout: 30_000,
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  let assignment: Promise<void> = Promise.resolve();
  let stopping = false;

  // serialised so that a quick revoke-then-assign is applied in order
  const assign = (partitions: readonly number[]): Promise<void> => {
    assignment = assignment
      .then(() => options.onAssigned(partitions))
      .catch((error: unknown) => logger.error('partition leases: applying an assignment failed', { err: error, partitions }));
    return assignment;
  };

  /** The member no longer holds anything it can vouch for: give the work up before anyone else is given it. */
  const release = (why: string, fields: Record<string, unknown> = {}): void => {
    logger.warn(`partition leases: ${why}; releasing every lease`, { groupId: options.groupId, ...fields });
    void assign([]);
  };

  return {
    async start() {
      stopping = false;
      await createTopics(options.brokers, [{ topic: options.topic, partitions: options.partitions }], { logger });
      consumer.on(consumer.events.REBALANCING, () => void assign([]));
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        if (stopping) return;
        const held = [...(payload.memberAssignment[options.topic] ?? [])].sort((a, b) => a - b);
        logger.info('partition leases: assigned', { groupId: options.groupId, partitions: held });
        void assign(held);
      });
      // a crashed, stopped or disconnected member is out of the group (or soon will be): its partitions go to others
      consumer.on(consumer.events.CRASH, ({ payload }) =>
        release('the lease consumer crashed', { err: payload.error, restart: payload.restart }),
      );
      consumer.on(consumer.events.STOP, () => {
        if (!stopping) release('the lease consumer stopped');
      });
      consumer.on(consumer.events.DISCONNECT, () => {
        if (!stopping) release('the lease consumer disconnected');
      });
      await Promise.all([consumer.connect(), producer.connect()]);
      await consumer.subscribe({ topics: [options.topic] });
      // running the consumer keeps the membership alive; its records are signals for the partition's holder
      await consumer.run({
        eachMessage: ({ partition }) => {
          if (!stopping) options.onSignal?.(partition);
          return Promise.resolve();
        },
      });
    },
    async stop() {
      // give the work up while still a member: nobody is handed it before this instance stopped doing it
      stopping = true;
      await assign([]);
      await consumer.disconnect();
      await producer.disconnect();
    },
    async signal(partition) {
      await producer.send({ topic: options.topic, acks: 1, messages: [{ partition, value: null }] });
    },
  };
};
