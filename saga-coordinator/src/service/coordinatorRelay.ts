import { laneOf, type EventStore } from '@waggle/event-store';
import { createPartitionLeases, createTopics, type Brokers, type Producer } from '@waggle/kafka-bus';
import { toMessageFirstLogger, type Logger } from '@waggle/observability';
import { createAppendSignaller, createMongoRelayLedger, createOutboxRelay, type OutgoingRecord } from '@waggle/outbox-relay';
import type { AvroSerde } from '@waggle/serde';
import type { SagaTopics } from '@waggle/task-worker';
import type { Db } from 'mongodb';
import { createCommandRecordMapper, pollQueueSink, slotSink, timerSink, type QueuedTask, type ScheduledTimer } from './commandRecords.ts';
import type { PollQueue, TimerStore } from './coordinatorStores.ts';
import type { SlotRequest, TaskGate } from './taskGate.ts';

const parsed = <T>(records: readonly OutgoingRecord[], sink: string): T[] =>
  records.filter((record) => record.topic === sink).map((record) => JSON.parse(record.value.toString('utf8')) as T);

/**
 * The coordinator's outbox relay: the commands each decision appended (its CommandsIssued event) are carried out in
 * stream order, at least once: task commands, child starts and parent notices are produced to Kafka, timers and
 * poll-queue entries written to Mongo (idempotently). Lanes are leased among instances as every service's relay, and
 * appends are signalled as `createRelayService` signals them (`createAppendSignaller`; its records need this relay's own `toRecords`): a lane
 * held here is woken, another instance's lane gets a record on the lanes topic, so a quiet lane is read every
 * `idlePollMs` only.
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
  readonly gate: TaskGate;
  readonly sessionTimeoutMs: number;
  /** How often a quiet lane is read when nothing signalled it (the safety net; appends are signalled). */
  readonly idlePollMs?: number;
  readonly logger: Logger;
}) => {
  const created = new Set<string>();
  const ledger = createMongoRelayLedger({ db: options.db });
  const relay = createOutboxRelay({
    store: options.store,
    ledger,
    toRecords: createCommandRecordMapper(options.serde, options.topics),
    publish: async (records) => {
      const kafka = records.filter((record) => record.topic !== timerSink && record.topic !== pollQueueSink && record.topic !== slotSink);
      const missing = [...new Set(kafka.map((record) => record.topic))].filter((topic) => !created.has(topic));
      if (missing.length > 0) {
        await createTopics(
          options.brokers,
          missing.map((topic) => ({ topic, partitions: options.partitions })),
        );
        for (const topic of missing) created.add(topic);
      }
      // both idempotent and independent: written at once, and before the task commands, so a result cannot come back
      // before its task is in the poll queue (its `done` would then leave a stale entry behind)
      await Promise.all([
        options.timers.schedule(parsed<ScheduledTimer>(records, timerSink)),
        options.pollQueue.offer(parsed<QueuedTask>(records, pollQueueSink)),
      ]);
      await options.producer.send(kafka);
      await options.gate.request(parsed<SlotRequest>(records, slotSink));
    },
    logger: {
      info: (fields, message) => options.logger.info(fields, message),
      error: (fields, message) => options.logger.error(fields, message),
    },
    maxIdleMs: options.idlePollMs ?? 10_000,
  });
  const leases = createPartitionLeases({
    brokers: options.brokers,
    groupId: `${options.serviceName}.outbox-relay`,
    topic: `${options.serviceName}.outbox-lanes`,
    partitions: options.store.lanes,
    onAssigned: (lanes) => relay.assign(lanes),
    onSignal: (lane) => relay.wake(lane),
    sessionTimeoutMs: options.sessionTimeoutMs,
    logger: toMessageFirstLogger(options.logger),
  });
  const signalLane = createAppendSignaller(relay, leases, {
    error: (fields, message) => options.logger.error(fields, message),
  });
  return {
    relay,
    ledger,
    /** This process appended to `streamId`: its lane's holder publishes now instead of at its next poll. */
    appended: (streamId: string): void => signalLane(laneOf(streamId, options.store.lanes)),
    start: () => leases.start(),
    stop: async (): Promise<void> => {
      await leases.stop();
      await relay.stop();
    },
  };
};
