import { setTimeout as delay } from 'node:timers/promises';
import type { Db } from 'mongodb';
import { laneOf } from '@waggle/event-store';
import { createBatcher } from '@waggle/kafka-bus';
import type { QueuedTask, ScheduledTimer } from './commandRecords.ts';
import { bulkUpsert, onlyDuplicates } from './mongoErrors.ts';

type TimerDoc = ScheduledTimer & { _id: string; shard: number };
type OutcomeDoc = { _id: string; workflowId: string; applied: boolean; error?: { status: number; message: string }; at: Date };
type QueueDoc = { _id: string; taskType: string; workflowId: string; queuedAt: number; claimedAt: number | null; claimedBy?: string };

/**
 * Writes of the same kind asked for while one is in flight go out as the next one (group commit: no waiting when
 * alone, one command for many under load). Each caller still waits for its own write, so nothing it does next can
 * overtake it. The coordinator's inputs come 16 executions at a time, and FerretDB runs one write at a time per
 * database: one write per input for each of these was most of the coordinator's time at 5 bookings/s.
 */
const groupWrites = <T>(write: (items: T[]) => Promise<void>) => createBatcher<T>({ lingerMs: 0, maxBatchSize: 1_000, sendBatch: write });

/** What became of an input whose sender waits: applied (it changed the execution) or not, or refused with a reason. */
export type Outcome = Omit<OutcomeDoc, '_id' | 'at'>;

/** Durable timers: written by the relay from ScheduleTimer commands, fired by the owner of their shard. */
export const createTimerStore = (db: Db, shards: number) => {
  const timers = db.collection<TimerDoc>('timers');
  const listeners = new Set<(list: readonly ScheduledTimer[]) => void>();
  const shardOf = (workflowId: string): number => laneOf(workflowId, shards);
  const scheduling = groupWrites<ScheduledTimer>((list) =>
    bulkUpsert(
      timers,
      list.map((timer) => ({
        updateOne: {
          filter: { _id: timer.timerId },
          update: { $setOnInsert: { ...timer, shard: shardOf(timer.workflowId) } },
          upsert: true,
        },
      })),
    ),
  );
  const canceling = groupWrites<{ readonly taskId: string } | { readonly workflowId: string }>(async (ended) => {
    const taskIds = [...new Set(ended.flatMap((e) => ('taskId' in e ? [e.taskId] : [])))];
    const workflowIds = [...new Set(ended.flatMap((e) => ('workflowId' in e ? [e.workflowId] : [])))];
    const either = [
      ...(taskIds.length === 0 ? [] : [{ 'timer.taskId': { $in: taskIds } }]),
      ...(workflowIds.length === 0 ? [] : [{ workflowId: { $in: workflowIds }, 'timer.kind': 'workflowTimeout' as const }]),
    ];
    if (either.length > 0) await timers.deleteMany(either.length === 1 ? either[0]! : { $or: either });
  });
  return {
    shards,
    shardOf,
    start: async (): Promise<void> => {
      await timers.createIndex({ shard: 1, fireAt: 1 });
      await timers.createIndex({ 'timer.taskId': 1 });
      await timers.createIndex({ workflowId: 1 });
    },
    /** Idempotent: a timer relayed twice is one timer. One round trip for the list; listeners hear of them once written. */
    schedule: async (list: readonly ScheduledTimer[]): Promise<void> => {
      await scheduling.add(list);
      if (list.length > 0) for (const listener of listeners) listener(list);
    },
    /** Hears of every timer this process schedules (the sweeper: so it sleeps until the next one is due). */
    onScheduled: (listener: (list: readonly ScheduledTimer[]) => void): (() => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** When the earliest pending timer of a shard is due (epoch ms), undefined when it has none. */
    earliest: async (shard: number): Promise<number | undefined> =>
      (
        await timers
          .find({ shard }, { projection: { fireAt: 1 } })
          .sort({ fireAt: 1 })
          .limit(1)
          .next()
      )?.fireAt,
    due: async (owned: readonly number[], now: number, limit = 500): Promise<TimerDoc[]> =>
      owned.length === 0
        ? []
        : timers
            .find({ shard: { $in: [...owned] }, fireAt: { $lte: now } })
            .sort({ fireAt: 1 })
            .limit(limit)
            .toArray(),
    /**
     * The timers of tasks that finished and the workflow timeouts of executions that ended: they could only fire to do
     * nothing (a fired timer checks that its reason still holds), and every sweep reads all pending timers (FerretDB
     * scans a collection for any query but an `_id` one): each task left two behind for 30 s to 5 min, so at 5
     * bookings/s a sweep read over a thousand, most of the store's CPU. One delete for the inputs that end any while the previous one is written.
     */
    cancel: (ended: { readonly taskIds: readonly string[]; readonly workflowIds: readonly string[] }): Promise<void> =>
      canceling.add([...ended.taskIds.map((taskId) => ({ taskId })), ...ended.workflowIds.map((workflowId) => ({ workflowId }))]),
    remove: async (ids: readonly string[]): Promise<void> => {
      if (ids.length > 0) await timers.deleteMany({ _id: { $in: [...ids] } });
    },
    count: (): Promise<number> => timers.countDocuments({}),
  };
};

/**
 * Outcomes of inputs sent by the API, so a request can answer what the execution's owner decided. A request waiting
 * in the instance that owns the execution hears at once; one waiting elsewhere finds it in Mongo (polled).
 */
export const createOutcomeStore = (db: Db) => {
  const outcomes = db.collection<OutcomeDoc>('outcomes');
  const waiters = new Map<string, (outcome: Outcome) => void>();
  const recording = groupWrites<OutcomeDoc>(async (docs) => {
    try {
      await outcomes.insertMany(docs, { ordered: false });
    } catch (error) {
      // a redelivered input: its first outcome stands
      if (!onlyDuplicates(error)) throw error;
    }
  });
  const find = async (commandId: string): Promise<Outcome | undefined> => {
    const doc = await outcomes.findOne({ _id: commandId });
    if (doc === null) return undefined;
    const { _id, at, ...outcome } = doc;
    return outcome;
  };
  return {
    start: async (): Promise<void> => {
      // no TTL index: FerretDB has none; `prune` removes old outcomes instead
      await outcomes.createIndex({ at: 1 });
    },
    /** Outcomes older than `maxAgeMs` are of no use: their requests answered or gave up long ago. */
    prune: async (maxAgeMs: number, now = Date.now()): Promise<void> => {
      await outcomes.deleteMany({ at: { $lt: new Date(now - maxAgeMs) } });
    },
    record: async (commandId: string, outcome: Outcome): Promise<void> => {
      await recording.add([{ _id: commandId, ...outcome, at: new Date() }]);
      waiters.get(commandId)?.(outcome);
    },
    find,
    /** The outcome of a command once recorded, or undefined after `timeoutMs`. */
    wait: async (commandId: string, timeoutMs: number, pollMs = 250, maxPollMs = 2_000): Promise<Outcome | undefined> => {
      let heard: ((outcome: Outcome) => void) | undefined;
      const local = new Promise<Outcome>((resolve) => (heard = resolve));
      waiters.set(commandId, (outcome) => heard?.(outcome));
      try {
        const deadline = Date.now() + timeoutMs;
        // the owner of the input in this process answers at once; one elsewhere is asked for with a backoff, since
        // a request waiting on a busy partition asked 20 times a second; and only once a wait ran out unheard (a find
        // sent anyway after the local answer came was most of the outcome reads at 5 bookings/s)
        const pause = new AbortController();
        try {
          for (let wait = pollMs; Date.now() < deadline; wait = Math.min(maxPollMs, wait * 2)) {
            const ms = Math.min(wait, Math.max(1, deadline - Date.now()));
            const heardFirst = await Promise.race([local, delay(ms, undefined, { signal: pause.signal })]);
            if (heardFirst !== undefined) return heardFirst;
            const found = await find(commandId);
            if (found !== undefined) return found;
          }
          return undefined;
        } finally {
          pause.abort();
        }
      } finally {
        waiters.delete(commandId);
      }
    },
  };
};

/** A task type's queue: how many wait to be picked up, and since when the oldest does (epoch ms). */
export type QueueDepth = { readonly taskType: string; readonly size: number; readonly oldestQueuedAt: number };

/** Tasks offered to HTTP-polling workers (Conductor's task queue): filled by the relay, emptied by polls and results. */
export const createPollQueue = (db: Db) => {
  const queue = db.collection<QueueDoc>('task_queue');
  const offering = groupWrites<QueueDoc>((entries) =>
    bulkUpsert(
      queue,
      entries.map(({ _id, ...entry }) => ({ updateOne: { filter: { _id }, update: { $set: entry }, upsert: true } })),
    ),
  );
  const dropping = groupWrites<string>(async (taskIds) => {
    await queue.deleteMany({ _id: { $in: [...new Set(taskIds)] } });
  });
  return {
    start: async (): Promise<void> => {
      await queue.createIndex({ taskType: 1, claimedAt: 1, queuedAt: 1 });
      // the queue sizes read only the waiting entries
      await queue.createIndex({ claimedAt: 1, taskType: 1 });
    },
    /** A (re)dispatched task is offered again, unclaimed (one round trip for the list). */
    offer: (tasks: readonly QueuedTask[], now = Date.now()): Promise<void> =>
      offering.add(
        tasks.map((task) => ({ _id: task.taskId, taskType: task.taskType, workflowId: task.workflowId, queuedAt: now, claimedAt: null })),
      ),
    /** Claims the oldest unclaimed task of a type for a worker; undefined when there is none. */
    claim: async (taskType: string, workerId: string, now = Date.now()): Promise<QueueDoc | undefined> =>
      (await queue.findOneAndUpdate(
        { taskType, claimedAt: null },
        { $set: { claimedAt: now, claimedBy: workerId } },
        { sort: { queuedAt: 1 }, returnDocument: 'after' },
      )) ?? undefined,
    done: (taskId: string): Promise<void> => dropping.add([taskId]),
    /** Drops the entries of tasks that ended without a result of their own (canceled, timed out, skipped). */
    drop: (taskIds: readonly string[]): Promise<void> => dropping.add(taskIds),
    size: (taskType: string): Promise<number> => queue.countDocuments({ taskType, claimedAt: null }),
    /** Per task type: the tasks offered and not picked up yet (polled, or answered over Kafka), and the oldest one's time. */
    waiting: async (taskTypes?: readonly string[]): Promise<QueueDepth[]> => {
      const groups = await queue
        .aggregate<{ _id: string; size: number }>([
          { $match: { claimedAt: null, ...(taskTypes === undefined ? {} : { taskType: { $in: [...taskTypes] } }) } },
          { $group: { _id: '$taskType', size: { $sum: 1 } } },
        ])
        .toArray();
      // the oldest of each from the index, in order ($min in a $group is not in every MongoDB-compatible server)
      return Promise.all(
        groups.map(async (group) => {
          const oldest = await queue.findOne(
            { taskType: group._id, claimedAt: null },
            { sort: { queuedAt: 1 }, projection: { queuedAt: 1 } },
          );
          return { taskType: group._id, size: group.size, oldestQueuedAt: oldest?.queuedAt ?? Date.now() };
        }),
      );
    },
  };
};

export type TimerStore = ReturnType<typeof createTimerStore>;
export type OutcomeStore = ReturnType<typeof createOutcomeStore>;
export type PollQueue = ReturnType<typeof createPollQueue>;
