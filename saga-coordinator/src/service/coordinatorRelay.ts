import type { EventStore } from '@waggle/event-store';
import { createPartitionLeases, createTopics, type Brokers, type Producer } from '@waggle/kafka-bus';
import { toMessageFirstLogger, type Logger } from '@waggle/observability';
import { createMongoRelayLedger, createOutboxRelay, type OutgoingRecord } from '@waggle/outbox-relay';
import type { AvroSerde } from '@waggle/serde';
import type { SagaTopics } from '@waggle/task-worker';
import type { Db } from 'mongodb';
import { createCommandRecordMapper, pollQueueSink, timerSink, type QueuedTask, type ScheduledTimer } from './commandRecords.ts';
import type { PollQueue, TimerStore } from './coordinatorStores.ts';

const parsed = <T>(records: readonly OutgoingRecord[], sink: string): T[] =>
  records.filter((record) => record.topic === sink).map((record) => JSON.parse(record.value.toString('utf8')) as T);

/**
 * The coordinator's outbox relay: the commands each decision appended (its CommandsIssued event) are carried out in
 * stream order, at least once: task commands, child starts and parent notices are produced to Kafka, timers and
 * poll-queue entries written to Mongo (idempotently). Lanes are leased among instances as every service's relay.
 */
export const createCoordinatorRelay = (options: {
  readonly store: EventStore;
  readonly db: Db;
  readonly serde: AvroSerde;
  readonly producer: Producer;
  readonly brokers: Brokers;
  readonly topics: SagaTopics;
  readonly serviceName: string;
  readonly partitions: number;
  readonly timers: TimerStore;
  readonly pollQueue: PollQueue;
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
}) => {
  const created = new Set<string>();
  const ledger = createMongoRelayLedger({ db: options.db });
  const relay = createOutboxRelay({
    store: options.store,
    ledger,
    toRecords: createCommandRecordMapper(options.serde, options.topics),
    publish: async (records) => {
      const kafka = records.filter((record) => record.topic !== timerSink && record.topic !== pollQueueSink);
      const missing = [...new Set(kafka.map((record) => record.topic))].filter((topic) => !created.has(topic));
      if (missing.length > 0) {
        await createTopics(
          options.brokers,
          missing.map((topic) => ({ topic, partitions: options.partitions })),
        );
        for (const topic of missing) created.add(topic);
      }
      await options.timers.schedule(parsed<ScheduledTimer>(records, timerSink));
      await options.pollQueue.offer(parsed<QueuedTask>(records, pollQueueSink));
      await options.producer.send(kafka);
    },
    logger: {
      info: (fields, message) => options.logger.info(fields, message),
      error: (fields, message) => options.logger.error(fields, message),
    },
  });
  const leases = createPartitionLeases({
    brokers: options.brokers,
    groupId: `${options.serviceName}.outbox-relay`,
    topic: `${options.serviceName}.outbox-lanes`,
    partitions: options.store.lanes,
    onAssigned: (lanes) => relay.assign(lanes),
    sessionTimeoutMs: options.sessionTimeoutMs,
    logger: toMessageFirstLogger(options.logger),
  });
  return {
    relay,
    ledger,
    start: () => leases.start(),
    stop: async (): Promise<void> => {
      await leases.stop();
      await relay.stop();
    },
  };
};
