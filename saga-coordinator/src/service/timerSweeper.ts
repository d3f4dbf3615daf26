import { setTimeout as delay } from 'node:timers/promises';
import { createPartitionLeases, type Brokers, type Producer } from '@waggle/kafka-bus';
import { toMessageFirstLogger, type Logger } from '@waggle/observability';
import type { AvroSerde } from '@waggle/serde';
import type { SagaTopics } from '@waggle/task-worker';
import type { TimerStore } from './coordinatorStores.ts';
import { stableId, toInputRecord } from './inputRecords.ts';

/**
 * Fires durable timers: timer shards are leased among instances (a consumer group on `<service>.timer-shards`), and
 * each instance looks for due timers of its shards every tick, produces them as TimerFired inputs and then deletes
 * them. A crash in between, or two owners during a rebalance, fire a timer twice under one record id: one command.
 */
export const createTimerSweeper = (options: {
  readonly brokers: Brokers;
  readonly serviceName: string;
  readonly timers: TimerStore;
  readonly producer: Producer;
  readonly serde: AvroSerde;
  readonly topics: SagaTopics;
  readonly tickMs: number;
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
}) => {
  let owned: readonly number[] = [];
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  let fired = 0;

  const sweep = async (): Promise<void> => {
    const due = await options.timers.due(owned, Date.now());
    if (due.length === 0) return;
    const records = await Promise.all(
      due.map((timer) =>
        toInputRecord(
          options.serde,
          options.topics,
          { kind: 'timer', workflowId: timer.workflowId, timerId: timer.timerId, timer: timer.timer, fireAt: timer.fireAt },
          { id: stableId(`timer:${timer.timerId}`), correlationId: timer.workflowId, causationId: timer.timerId },
        ),
      ),
    );
    await options.producer.send(records);
    await options.timers.remove(due.map((timer) => timer.timerId));
    fired += due.length;
  };

  const leases = createPartitionLeases({
    brokers: options.brokers,
    groupId: `${options.serviceName}.timers`,
    topic: `${options.serviceName}.timer-shards`,
    partitions: options.timers.shards,
    onAssigned: (shards) => {
      owned = shards;
      return Promise.resolve();
    },
    sessionTimeoutMs: options.sessionTimeoutMs,
    logger: toMessageFirstLogger(options.logger),
  });

  return {
    status: () => ({ shards: owned, fired }),
    start: async (): Promise<void> => {
      await leases.start();
      running = true;
      loop = (async () => {
        while (running) {
          try {
            await sweep();
          } catch (error) {
            options.logger.error({ err: error }, 'timer sweep failed; trying again next tick');
          }
          await delay(options.tickMs);
        }
      })();
    },
    stop: async (): Promise<void> => {
      running = false;
      await loop;
      await leases.stop();
    },
  };
};
