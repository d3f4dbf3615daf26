import type { Producer } from '@waggle/kafka-bus';
import type { Logger } from '@waggle/observability';
import type { AvroSerde } from '@waggle/serde';
import type { SagaTopics } from '@waggle/task-worker';
import type { Db } from 'mongodb';
import type { EngineCommand } from '../engine/engineCommand.ts';
import { isDuplicateKey } from './mongoErrors.ts';
import { stableId, toInputRecord } from './inputRecords.ts';

export type SlotRequest = Extract<EngineCommand, { type: 'RequestSlot' }>;

type RequestDoc = Omit<SlotRequest, 'type' | 'taskId'> & { _id: string };
/** Who holds a slot of a task type (task id → its execution and since when) and when tasks were handed out lately. */
type Limits = { running: Record<string, { workflowId: string; at: number }>; handedOut: number[] };
// the state as JSON text, replaced as a whole under a version check: every instance may grant, none over the limits
type LimitsDoc = { _id: string; version: number; state: string };

/** How long a granted slot may go without its task being IN_PROGRESS before it is taken back (paused, crashed, lost). */
const slotGraceMs = 10_000;
const batch = 200;

/**
 * Conductor's task limits, across all instances: `concurrentExecLimit` tasks of a type IN_PROGRESS at once, and
 * `rateLimitPerFrequency` handed out per `rateLimitFrequencyInSeconds` (a sliding window). A task over its limits waits
 * as a request (durable, oldest first) until a slot frees or the window moves; its grant is a `slot` TimerFired input
 * to its execution, which then dispatches it. Each task type's slots are one document replaced under a version check,
 * so two instances granting at once cannot exceed the limits. A slot is given back when its task leaves IN_PROGRESS
 * (`free`, from the input that moved it); a slot whose task is not IN_PROGRESS a while after its grant is taken back
 * when the type is blocked (a crash between the two, or a paused execution).
 */
export const createTaskGate = (options: {
  readonly db: Db;
  readonly producer: Producer;
  readonly serde: AvroSerde;
  readonly topics: SagaTopics;
  /** Whether a task still holds its slot: it is IN_PROGRESS in its execution. */
  readonly inProgress: (workflowId: string, taskId: string) => Promise<boolean>;
  /** How often waiting requests are looked at when nothing signalled (requests of other instances, a lost wake-up). */
  readonly recheckMs: number;
  readonly logger: Logger;
}) => {
  const requests = options.db.collection<RequestDoc>('task_gate');
  const limits = options.db.collection<LimitsDoc>('task_limits');
  const releasing = new Map<string, { again: boolean; done: Promise<void> }>();
  const wakeTimers = new Map<string, NodeJS.Timeout>();
  const reconciledAt = new Map<string, number>();
  let recheck: NodeJS.Timeout | undefined;
  let granted = 0;

  const grant = async (docs: readonly RequestDoc[]): Promise<void> => {
    const records = await Promise.all(
      docs.map((doc) =>
        toInputRecord(
          options.serde,
          options.topics,
          {
            kind: 'timer',
            workflowId: doc.workflowId,
            timerId: `${doc._id}:slot:${doc.requestedAt}`,
            timer: { kind: 'slot', taskId: doc._id },
            fireAt: doc.requestedAt,
          },
          { id: stableId(`slot:${doc._id}:${doc.requestedAt}`), correlationId: doc.workflowId, causationId: doc._id },
        ),
      ),
    );
    await options.producer.send(records);
    for (const doc of docs) await requests.deleteOne({ _id: doc._id, requestedAt: doc.requestedAt });
    granted += docs.length;
  };

  /** Writes the new state if nobody changed it since `version` was read; false when somebody did. */
  const write = async (taskType: string, version: number, state: Limits): Promise<boolean> => {
    const text = JSON.stringify(state);
    if (version === 0) {
      try {
        await limits.insertOne({ _id: taskType, version: 1, state: text });
        return true;
      } catch (error) {
        if (isDuplicateKey(error)) return false;
        throw error;
      }
    }
    return (await limits.updateOne({ _id: taskType, version }, { $set: { version: version + 1, state: text } })).matchedCount === 1;
  };

  const read = async (taskType: string): Promise<{ version: number; state: Limits }> => {
    const doc = await limits.findOne({ _id: taskType });
    return doc === null
      ? { version: 0, state: { running: {}, handedOut: [] } }
      : { version: doc.version, state: JSON.parse(doc.state) as Limits };
  };

  /** Slots granted a while ago whose task is not IN_PROGRESS: given back. */
  const reconcile = async (taskType: string, now: number): Promise<boolean> => {
    if (now - (reconciledAt.get(taskType) ?? 0) < slotGraceMs) return false;
    reconciledAt.set(taskType, now);
    const { version, state } = await read(taskType);
    const stale: string[] = [];
    for (const [taskId, slot] of Object.entries(state.running))
      if (now - slot.at > slotGraceMs && !(await options.inProgress(slot.workflowId, taskId))) stale.push(taskId);
    if (stale.length === 0) return false;
    for (const taskId of stale) delete state.running[taskId];
    options.logger.info({ taskType, taskIds: stale }, 'task gate: took back slots whose tasks are not in progress');
    return write(taskType, version, state);
  };

  /** Grants what the limits allow, oldest request first; schedules a wake-up when the rate window is what blocks. */
  const releaseOnce = async (taskType: string): Promise<void> => {
    for (let attempt = 0; attempt < 50; attempt++) {
      const waiting = await requests.find({ taskType }).sort({ requestedAt: 1 }).limit(batch).toArray();
      const first = waiting[0];
      if (first === undefined) return;
      const { version, state } = await read(taskType);
      const now = Date.now();
      const concurrent = first.concurrentExecLimit ?? Infinity;
      const rate = first.rateLimitPerFrequency ?? Infinity;
      const windowMs = (first.rateLimitFrequencyInSeconds ?? 1) * 1000;
      state.handedOut = state.handedOut.filter((at) => at > now - windowMs);
      const grants: RequestDoc[] = [];
      let admitted = 0;
      let blocked: 'rate' | 'concurrency' | undefined;
      for (const request of waiting) {
        // a slot already held (granted before a crash, or asked again on resume): granted again
        if (state.running[request._id] !== undefined) {
          grants.push(request);
          continue;
        }
        if (Object.keys(state.running).length >= concurrent) blocked ??= 'concurrency';
        else if (state.handedOut.length >= rate) blocked ??= 'rate';
        if (blocked !== undefined) continue;
        state.running[request._id] = { workflowId: request.workflowId, at: now };
        state.handedOut.push(now);
        grants.push(request);
        admitted += 1;
      }
      if (admitted > 0 && !(await write(taskType, version, state))) continue;
      if (grants.length > 0) await grant(grants);
      if (blocked === 'rate') {
        const oldest = Math.min(...state.handedOut);
        wakeAt(taskType, oldest + windowMs - now);
      }
      if (blocked === 'concurrency' && (await reconcile(taskType, now))) continue;
      if (blocked === undefined && waiting.length === batch) continue;
      return;
    }
  };

  /** One release at a time per task type in this process; asked again meanwhile, it runs once more after. */
  const release = (taskType: string): Promise<void> => {
    const running = releasing.get(taskType);
    if (running !== undefined) {
      running.again = true;
      return running.done;
    }
    const entry = { again: false, done: Promise.resolve() };
    entry.done = (async () => {
      try {
        do {
          entry.again = false;
          await releaseOnce(taskType);
        } while (entry.again);
      } finally {
        releasing.delete(taskType);
      }
    })();
    releasing.set(taskType, entry);
    return entry.done;
  };

  const releaseLogged = (taskType: string): void => {
    release(taskType).catch((error: unknown) =>
      options.logger.error({ taskType, err: error }, 'task gate: granting slots failed; the next re-check tries again'),
    );
  };

  const wakeAt = (taskType: string, inMs: number): void => {
    if (wakeTimers.has(taskType)) return;
    const timer = setTimeout(
      () => {
        wakeTimers.delete(taskType);
        releaseLogged(taskType);
      },
      Math.max(1, inMs + 1),
    );
    timer.unref();
    wakeTimers.set(taskType, timer);
  };

  return {
    start: async (): Promise<void> => {
      await requests.createIndex({ taskType: 1, requestedAt: 1 });
      const tick = (): void => {
        recheck = setTimeout(() => {
          requests
            .distinct('taskType')
            .then((types) => Promise.all(types.map(release)))
            .catch((error: unknown) => options.logger.error({ err: error }, 'task gate re-check failed'))
            .finally(() => recheck !== undefined && tick());
        }, options.recheckMs);
        recheck.unref();
      };
      tick();
    },
    stop: async (): Promise<void> => {
      clearTimeout(recheck);
      recheck = undefined;
      for (const timer of wakeTimers.values()) clearTimeout(timer);
      wakeTimers.clear();
      await Promise.allSettled([...releasing.values()].map((entry) => entry.done));
    },
    /** Requests relayed from decisions (idempotent; a newer request of a task replaces its older one), granted when allowed. */
    request: async (list: readonly SlotRequest[]): Promise<void> => {
      for (const { type: _type, taskId, ...request } of list)
        await requests.updateOne({ _id: taskId }, { $set: request }, { upsert: true });
      await Promise.all([...new Set(list.map((request) => request.taskType))].map(release));
    },
    /** Tasks that left IN_PROGRESS (or ended while waiting): their slots and requests are given up, others granted. */
    free: async (taskType: string, taskIds: readonly string[]): Promise<void> => {
      await requests.deleteMany({ _id: { $in: [...taskIds] } });
      for (let attempt = 0; attempt < 50; attempt++) {
        const { version, state } = await read(taskType);
        const held = taskIds.filter((taskId) => state.running[taskId] !== undefined);
        if (held.length === 0) break;
        for (const taskId of held) delete state.running[taskId];
        if (await write(taskType, version, state)) break;
      }
      releaseLogged(taskType);
    },
    status: async () => ({ postponed: await requests.countDocuments({}), granted }),
  };
};

export type TaskGate = ReturnType<typeof createTaskGate>;
