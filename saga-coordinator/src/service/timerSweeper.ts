import { setTimeout as delay } from 'node:timers/promises';
import { createPartitionLeases, type Brokers, type Producer } from '@waggle/kafka-bus';
import { toMessageFirstLogger, type Logger } from '@waggle/observability';
import type { AvroSerde } from '@waggle/serde';
import type { SagaTopics } from '@waggle/task-worker';
import type { ScheduledTimer } from './commandRecords.ts';
import type { TimerStore } from './coordinatorStores.ts';
import { stableId, toInputRecord } from './inputRecords.ts';

/** Waits `ms` or until `woken` resolves, leaving no timer behind. */
const sleep = async (ms: number, woken: Promise<void>): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, ms)))), woken]);
  clearTimeout(timer);
};

/**
 * Fires durable timers: timer shards are leased among instances (a consumer group on `<service>.timer-shards`), and
 * each instance keeps in memory when the next timer of each of its shards is due and sleeps until then. A timer
 * scheduled in this process wakes it when it is earlier; one scheduled by another instance signals the shard's holder
 * (through the lease topic) when it is due before that holder's next re-check, which every `recheckMs` finds
 * whatever else was written. Due timers are produced as TimerFired inputs and then deleted; a crash in between, or two
 * owners during a rebalance, fire a timer twice under one record id: one command.
 */
export const createTimerSweeper = (options: {
  readonly brokers: Brokers;
  readonly serviceName: string;
  readonly timers: TimerStore;
  readonly producer: Producer;
  readonly serde: AvroSerde;
  readonly topics: SagaTopics;
  /** The longest an instance sleeps without looking at its shards (what bounds a missed signal). */
  readonly recheckMs: number;
  readonly sessionTimeoutMs: number;
  readonly logger: Logger;
}) => {
  const { timers } = options;
  let owned: readonly number[] = [];
  /** The earliest pending timer of each owned shard (absent: none pending, as far as this instance knows). */
  const next = new Map<number, number>();
  /** Shards to read again before sleeping (assigned, signalled, or swept). */
  const stale = new Set<number>();
  let running = false;
  let loop: Promise<void> = Promise.resolve();
  let fired = 0;
  let sweeps = 0;
  let wakeUp: () => void = () => {};
  let woken = new Promise<void>((resolve) => (wakeUp = resolve));
  const wake = (): void => {
    const resolve = wakeUp;
    woken = new Promise<void>((r) => (wakeUp = r));
    resolve();
  };
  const signalling = new Set<number>();

  const fire = async (shards: readonly number[]): Promise<number> => {
    const due = await timers.due(shards, Date.now());
    if (due.length === 0) return 0;
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
    await timers.remove(due.map((timer) => timer.timerId));
    fired += due.length;
    return due.length;
  };

  const refresh = async (shards: readonly number[]): Promise<void> => {
    await Promise.all(
      shards.map(async (shard) => {
        const earliest = await timers.earliest(shard);
        if (!owned.includes(shard)) return;
        if (earliest === undefined) next.delete(shard);
        else next.set(shard, earliest);
      }),
    );
  };

  const step = async (recheckDue: boolean): Promise<void> => {
    const now = Date.now();
    const due = owned.filter((shard) => (next.get(shard) ?? Infinity) <= now || stale.has(shard) || recheckDue);
    if (due.length === 0) return;
    for (const shard of due) stale.delete(shard);
    sweeps += 1;
    // a full batch means more may be due at once: swept again before the refresh says when the next one is
    while ((await fire(due)) >= 500 && running);
    await refresh(due);
  };

  /** Timers relayed in this process: the sweeper of their shard learns of them without reading Mongo. */
  const scheduled = (list: readonly ScheduledTimer[]): void => {
    let earlier = false;
    const horizon = Date.now() + options.recheckMs;
    for (const timer of list) {
      const shard = timers.shardOf(timer.workflowId);
      if (owned.includes(shard)) {
        if (timer.fireAt < (next.get(shard) ?? Infinity)) {
          next.set(shard, timer.fireAt);
          earlier = true;
        }
      } else if (timer.fireAt < horizon && !signalling.has(shard)) {
        // another instance holds the shard and would find this timer only at its next re-check: tell it now
        signalling.add(shard);
        leases
          .signal(shard)
          .catch((error: unknown) => options.logger.warn({ shard, err: error }, 'could not signal a timer shard; its re-check finds it'))
          .finally(() => signalling.delete(shard));
      }
    }
    if (earlier) wake();
  };

  const leases = createPartitionLeases({
    brokers: options.brokers,
    groupId: `${options.serviceName}.timers`,
    topic: `${options.serviceName}.timer-shards`,
    partitions: timers.shards,
    onAssigned: (shards) => {
      owned = shards;
      for (const shard of [...next.keys()]) if (!shards.includes(shard)) next.delete(shard);
      for (const shard of shards) stale.add(shard);
      wake();
      return Promise.resolve();
    },
    onSignal: (shard) => {
      stale.add(shard);
      wake();
    },
    sessionTimeoutMs: options.sessionTimeoutMs,
    logger: toMessageFirstLogger(options.logger),
  });
  const unsubscribe = timers.onScheduled(scheduled);

  return {
    /** Owned shards, timers fired, sweeps made (an idle instance makes one per re-check), and when the next is due. */
    status: () => {
      const earliest = Math.min(...owned.map((shard) => next.get(shard) ?? Infinity));
      return { shards: owned, fired, sweeps, ...(Number.isFinite(earliest) ? { nextDueAt: new Date(earliest).toISOString() } : {}) };
    },
    start: async (): Promise<void> => {
      await leases.start();
      running = true;
      loop = (async () => {
        let lastRecheck = 0;
        while (running) {
          const recheckDue = Date.now() - lastRecheck >= options.recheckMs;
          if (recheckDue) lastRecheck = Date.now();
          const wakeSignal = woken;
          try {
            await step(recheckDue);
          } catch (error) {
            options.logger.error({ err: error }, 'timer sweep failed; trying again shortly');
            await delay(500);
            continue;
          }
          const earliest = Math.min(...owned.map((shard) => next.get(shard) ?? Infinity), lastRecheck + options.recheckMs);
          await sleep(earliest - Date.now(), wakeSignal);
        }
      })();
    },
    stop: async (): Promise<void> => {
      running = false;
      unsubscribe();
      wake();
      await loop;
      await leases.stop();
    },
  };
};
