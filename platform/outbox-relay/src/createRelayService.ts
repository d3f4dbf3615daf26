import type { EventStore } from '@waggle/event-store';
import { createPartitionLeases, type Brokers, type Producer } from '@waggle/kafka-bus';
import type { AvroSerde } from '@waggle/serde';
import { createOutboxRelay, type OutboxRelay, type RelayLogger } from './outboxRelay.ts';
import { createKafkaRecordMapper, type EventRouting } from './toKafkaRecords.ts';

export type RelayServiceOptions = {
  readonly store: EventStore;
  readonly serde: AvroSerde;
  readonly producer: Producer;
  readonly routing: EventRouting;
  readonly brokers: Brokers;
  /** Every instance of one service uses the same name; its lanes are shared among them through a consumer group. */
  readonly serviceName: string;
  readonly logger?: RelayLogger;
  readonly orphanAfterMs?: number;
};

export type RelayService = Pick<OutboxRelay, 'wake' | 'status'> & { start(): Promise<void>; stop(): Promise<void> };

/**
 * The relay as a service runs it: lanes are leased through the consumer group `<service>.outbox-relay` on the
 * topic `<service>.outbox-lanes` (one partition per lane), so several instances share the lanes and a dead
 * instance's lanes move to a live one.
 */
export const createRelayService = (options: RelayServiceOptions): RelayService => {
  const relay = createOutboxRelay({
    store: options.store,
    toRecords: createKafkaRecordMapper(options.serde, options.routing),
    publish: (records) => options.producer.send(records),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.orphanAfterMs === undefined ? {} : { orphanAfterMs: options.orphanAfterMs }),
  });
  const leases = createPartitionLeases({
    brokers: options.brokers,
    groupId: `${options.serviceName}.outbox-relay`,
    topic: `${options.serviceName}.outbox-lanes`,
    partitions: options.store.lanes,
    onAssigned: (lanes) => relay.assign(lanes),
  });
  return {
    start: () => leases.start(),
    stop: async () => {
      await leases.stop();
      await relay.stop();
    },
    wake: () => relay.wake(),
    status: () => relay.status(),
  };
};
