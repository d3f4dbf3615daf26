import type { EventStore } from '@waggle/event-store';
import { createPartitionLeases, type Brokers, type Producer } from '@waggle/kafka-bus';
import type { AvroSerde } from '@waggle/serde';
import { createAppendSignaller } from './appendSignaller.ts';
import { createOutboxRelay, type OutboxRelay, type PublishStep, type RelayLogger } from './outboxRelay.ts';
import { toOutboxOverview, type OutboxOverview } from './outboxOverview.ts';
import type { RelayLedger } from './relayLedger.ts';
import { createKafkaRecordMapper, type EventRouting } from './toKafkaRecords.ts';

export type RelayServiceOptions = {
  readonly store: EventStore;
  /** The relay's own records (lane epochs and cursors, quarantined entries), e.g. `createMongoRelayLedger({ db })`. */
  readonly ledger: RelayLedger;
  readonly serde: AvroSerde;
  readonly producer: Producer;
  readonly routing: EventRouting;
  readonly brokers: Brokers;
  /** Every instance of one service uses the same name; its lanes are shared among them through a consumer group. */
  readonly serviceName: string;
  /** This instance's name in the ledger and `/status` (default: host, pid and a random suffix). */
  readonly instance?: string;
  readonly logger?: RelayLogger;
  readonly orphanAfterMs?: number;
  /** How long a silent instance keeps its lanes before the group hands them to another (default 10 s). */
  readonly sessionTimeoutMs?: number;
  /** How often a quiet lane is read when nothing signalled it (default 10 s). */
  readonly idlePollMs?: number;
  /** Sees each step before it is produced (tests tag records with the instance and epoch that published them). */
  readonly publish?: (records: Parameters<Producer['send']>[0], step: PublishStep) => Promise<void>;
};

export type RelayService = Pick<OutboxRelay, 'wake' | 'status' | 'instance'> & {
  /**
   * This process appended on `lane`: its relay is woken, or, when another instance holds the lane, that one is
   * signalled through the lanes topic. Lanes therefore need no fast polling: a quiet lane is read every 10 s.
   */
  appended(lane: number): void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Every lane of the service: which instance holds it, how far behind it is and why it waits (for `/status`). */
  overview(): Promise<OutboxOverview>;
};

/**
 * The relay as a service runs it: lanes are leased through the consumer group `<service>.outbox-relay` on the
 * topic `<service>.outbox-lanes` (one partition per lane), so several instances share the lanes and a dead
 * instance's lanes move to a live one. The group decides who should publish a lane; the ledger's epochs make sure
 * that a member that lost a lane without noticing stops publishing it.
 */
export const createRelayService = (options: RelayServiceOptions): RelayService => {
  const relay = createOutboxRelay({
    store: options.store,
    ledger: options.ledger,
    toRecords: createKafkaRecordMapper(options.serde, options.routing),
    publish: options.publish ?? ((records) => options.producer.send(records)),
    ...(options.instance === undefined ? {} : { instance: options.instance }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
    ...(options.orphanAfterMs === undefined ? {} : { orphanAfterMs: options.orphanAfterMs }),
    // appends are signalled (`appended`), so a quiet lane's poll is only a safety net (and what finds an orphan)
    maxIdleMs: options.idlePollMs ?? 10_000,
  });
  const leases = createPartitionLeases({
    brokers: options.brokers,
    groupId: `${options.serviceName}.outbox-relay`,
    topic: `${options.serviceName}.outbox-lanes`,
    partitions: options.store.lanes,
    onAssigned: (lanes) => relay.assign(lanes),
    onSignal: (lane) => relay.wake(lane),
    ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
  });
  return {
    instance: relay.instance,
    start: () => leases.start(),
    // the leases stop the lanes before leaving the group
    stop: async () => {
      await leases.stop();
      await relay.stop();
    },
    wake: (lane) => relay.wake(lane),
    appended: createAppendSignaller(relay, leases, options.logger),
    status: () => relay.status(),
    overview: async () => {
      const local = relay.status();
      const lanes = Array.from({ length: options.store.lanes }, (_, i) => i);
      const [records, heads] = await Promise.allSettled([
        options.ledger.lanes(),
        Promise.all(lanes.map(async (lane) => [lane, await options.store.readOutboxHead(lane)] as const)),
      ]);
      const overview = toOutboxOverview({
        lanes: lanes.length,
        instance: relay.instance,
        local,
        records: records.status === 'fulfilled' ? records.value : [],
        heads: new Map(heads.status === 'fulfilled' ? heads.value : []),
      });
      const failures = [records, heads].flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
      return failures.length === 0 ? overview : { ...overview, error: `only this instance's lanes are known: ${failures.join('; ')}` };
    },
  };
};
