import { RuleViolationError } from '@waggle/errors';
import { handleCommand, type Decider, type EventStore } from '@waggle/event-store';
import type { Producer } from '@waggle/kafka-bus';
import { childTraceparent, type Logger } from '@waggle/observability';
import type { AvroSerde } from '@waggle/serde';
import type { SagaTopics } from '@waggle/task-worker';
import { isLimited, taskDefOf } from '../engine/decision.ts';
import type { EngineInput } from '../engine/engineInput.ts';
import { isTerminalTask, type Execution, type TaskStatus } from '../engine/execution.ts';
import type { ExecutionEvent } from '../engine/executionEvents.ts';
import type { OutcomeStore, PollQueue, TimerStore } from './coordinatorStores.ts';
import type { ExecutionIndex } from './executionIndex.ts';
import type { TaskGate } from './taskGate.ts';
import { stableId, toEngineInput, toInputRecord, type CoordinatorInput, type ReceivedInput } from './inputRecords.ts';
import type { MetadataStore } from './metadataStore.ts';
import type { WorkerSightings } from './workerSightings.ts';

export type ApplyInputDeps = {
  readonly store: EventStore;
  readonly decider: Decider<EngineInput, ExecutionEvent, Execution>;
  readonly metadata: MetadataStore;
  readonly outcomes: OutcomeStore;
  readonly index: ExecutionIndex;
  readonly pollQueue: PollQueue;
  readonly workers: WorkerSightings;
  readonly timers: TimerStore;
  readonly gate: TaskGate;
  readonly producer: Producer;
  readonly serde: AvroSerde;
  readonly topics: SagaTopics;
  readonly logger: Logger;
  /** Tells the relay of an append to an execution's stream, so its commands go out without waiting for a poll. */
  readonly appended: (workflowId: string) => void;
};

/** Events that change what search shows of an execution (status, end, reason, compensation); others skip the write. */
const summaryEvents = new Set([
  'WorkflowStarted',
  'WorkflowEnded',
  'WorkflowPaused',
  'WorkflowResumed',
  'WorkflowRetried',
  'WorkflowRerun',
  'WorkflowRestarted',
  'CompensationStarted',
  'CompensationEnded',
  'WorkflowRemoved',
]);

/** Tasks of limited types that left IN_PROGRESS in these events: their slots go back to the gate, per task type. */
const slotsFreed = (execution: Execution, events: readonly { type: string; data: unknown }[]): Map<string, string[]> => {
  const freed = new Map<string, string[]>();
  if (execution.status === 'NONE') return freed;
  for (const event of events) {
    if (event.type !== 'TaskUpdated') continue;
    const { taskId, status } = event.data as { taskId: string; status: string };
    if (status === 'IN_PROGRESS') continue;
    const task = execution.tasks.find((t) => t.taskId === taskId);
    if (task === undefined || !isLimited(taskDefOf(execution, task.workflowTask))) continue;
    freed.set(task.taskType, [...(freed.get(task.taskType) ?? []), taskId]);
  }
  return freed;
};

/** What these events ended: tasks that left SCHEDULED/IN_PROGRESS, and the execution when it ended. */
const endedBy = (workflowId: string, events: readonly { type: string; data: unknown }[]) => ({
  taskIds: events.flatMap((event) => {
    if (event.type !== 'TaskUpdated') return [];
    const { taskId, status } = event.data as { taskId: string; status: TaskStatus };
    return isTerminalTask(status) ? [taskId] : [];
  }),
  workflowIds: events.some((event) => event.type === 'WorkflowEnded' || event.type === 'WorkflowRemoved') ? [workflowId] : [],
});

/** The task types the engine dispatches to workers: only their tasks are in the poll queue. */
const dispatchedTypes = new Set(['SIMPLE', 'DYNAMIC', 'HTTP']);

/**
 * Dispatched tasks these events ended without a result by their task id (canceled, timed out, answered by reference
 * name): they wait in no queue any more. The answered task left it already, so a plain completion costs no write.
 */
const queuedAndEnded = (execution: Execution, endedIds: readonly string[], answered: string | undefined): string[] =>
  execution.status === 'NONE'
    ? []
    : endedIds.filter(
        (taskId) => taskId !== answered && dispatchedTypes.has(execution.tasks.find((task) => task.taskId === taskId)?.type ?? ''),
      );

/** Waits for every one, then throws the first failure: none is still running when the input's retry begins. */
const settleAll = async (work: readonly Promise<void>[]): Promise<void> => {
  const failed = (await Promise.allSettled(work)).find((outcome) => outcome.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
};

/** The command id of an input: its record id, so a redelivered record (or one produced twice) is applied once. */
export const commandIdOf = (recordId: string): string => `input:${recordId}`;

/** The engine's start input, with the definition resolved (a child names it) and the task defs snapshotted. */
const toStart = async (
  deps: ApplyInputDeps,
  input: Extract<CoordinatorInput, { kind: 'start' }>,
  at: number,
): Promise<EngineInput | string> => {
  const definition = input.definition ?? (await deps.metadata.findWorkflowDef(input.name, input.version));
  if (definition === undefined) return `No such workflow found by name: ${input.name}, version: ${input.version ?? 'latest'}`;
  return {
    type: 'StartWorkflow',
    workflowId: input.workflowId,
    definition,
    taskDefs: input.taskDefs ?? (await deps.metadata.taskDefsFor(definition)),
    input: input.input,
    priority: input.priority,
    ...(input.correlationId === undefined ? {} : { correlationId: input.correlationId }),
    ...(input.parentWorkflowId === undefined ? {} : { parentWorkflowId: input.parentWorkflowId }),
    ...(input.parentWorkflowTaskId === undefined ? {} : { parentWorkflowTaskId: input.parentWorkflowTaskId }),
    meta: { at },
  };
};

/**
 * Applies one input to its execution (the stream named by the record key) through handleCommand and the engine, then
 * brings the search index and the poll queue up to date and, when the sender waits, records the outcome. Run by the
 * owner of the input's partition, one input at a time per partition; the command id makes a redelivery a no-op that
 * repeats the follow-up writes, so a crash after the append loses none of them.
 */
export const createInputApplier =
  (deps: ApplyInputDeps) =>
  async ({ input, meta, reply }: ReceivedInput): Promise<void> => {
    const commandId = commandIdOf(meta.id);
    const { workflowId } = input;
    const at = Date.now();
    // only a start awaits before handleCommand: other inputs applied in one tick are queued there in that order
    const engineInput = input.kind === 'start' ? await toStart(deps, input, at) : toEngineInput(input, at);
    if (typeof engineInput === 'string') {
      deps.logger.warn({ workflowId, parentWorkflowId: input.kind === 'start' ? input.parentWorkflowId : undefined }, engineInput);
      if (input.kind === 'start' && input.parentWorkflowId !== undefined && input.parentWorkflowTaskId !== undefined) {
        const ended = {
          kind: 'subWorkflowEnded' as const,
          workflowId: input.parentWorkflowId,
          taskId: input.parentWorkflowTaskId,
          subWorkflowId: workflowId,
          status: 'FAILED' as const,
          output: {},
          reasonForIncompletion: engineInput,
        };
        const cause = { id: stableId(`${commandId}:no-definition`), correlationId: meta.correlationId, causationId: meta.id };
        await deps.producer.send([await toInputRecord(deps.serde, deps.topics, ended, cause)]);
      }
      if (reply) await deps.outcomes.record(commandId, { workflowId, applied: false, error: { status: 404, message: engineInput } });
      return;
    }
    let result;
    try {
      result = await handleCommand(deps.store, deps.decider, {
        streamId: workflowId,
        command: engineInput,
        metadata: {
          commandId,
          correlationId: meta.correlationId,
          causationId: meta.id,
          occurredAt: new Date(at).toISOString(),
          traceparent: childTraceparent(meta.traceparent),
        },
      });
    } catch (error) {
      if (!(error instanceof RuleViolationError)) throw error;
      // an operator action that does not fit the execution's state: the caller hears why; nothing changed
      const status = error.message === 'No such workflow' ? 404 : 409;
      const message = status === 404 ? `No such workflow found by id: ${workflowId}` : error.message;
      if (reply) await deps.outcomes.record(commandId, { workflowId, applied: false, error: { status, message } });
      else deps.logger.info({ workflowId, input: engineInput.type }, `input refused: ${message}`);
      return;
    }
    if (!result.duplicate && result.events.length > 0) deps.appended(workflowId);
    // what follows from the decision touches separate collections: written side by side, each grouped with the
    // same writes of the inputs decided meanwhile; the caller hears the outcome once all are written
    const after: Promise<void>[] = [];
    if (result.state.status !== 'NONE' && (result.duplicate || result.events.some((event) => summaryEvents.has(event.type))))
      after.push(result.state.removed === true ? deps.index.remove(workflowId) : deps.index.put(result.state, result.version));
    if (input.kind === 'result' && input.result.taskId !== undefined) after.push(deps.pollQueue.done(input.result.taskId));
    if (input.kind === 'result' && input.result.workerId !== undefined && result.state.status !== 'NONE') {
      const { taskId, referenceTaskName, workerId } = input.result;
      const task = result.state.tasks.find(
        (t) => t.taskId === taskId || (taskId === undefined && t.referenceTaskName === referenceTaskName),
      );
      if (task !== undefined) after.push(deps.workers.reported({ taskType: task.taskType, workerId }, at));
    }
    const ended = endedBy(workflowId, result.events);
    // a redelivery leaves it to the gate's own check, so a slot granted since is not given up twice; and cancels no
    // timer, since it may come after later inputs whose timers (a rerun task's, a restarted execution's) must stay
    if (!result.duplicate) {
      const state = result.state;
      after.push(
        (async () => {
          for (const [taskType, taskIds] of slotsFreed(state, result.events)) await deps.gate.free(taskType, taskIds);
        })(),
        deps.timers.cancel(ended),
        deps.pollQueue.drop(queuedAndEnded(state, ended.taskIds, input.kind === 'result' ? input.result.taskId : undefined)),
      );
    }
    await settleAll(after);
    if (reply) await deps.outcomes.record(commandId, { workflowId, applied: result.events.length > 0 });
  };

/** Executions of one fetched batch in hand at once. */
const executionsAtOnce = 16;
/** Inputs of one execution handed over at once: handleCommand decides at most 64 on one load. */
const groupSize = 64;

/**
 * Applies consecutive inputs of one partition: executions side by side (at most 16 at once), each execution's
 * inputs in their order. A run of inputs of one execution other than starts is handed to `handleCommand` in one
 * tick (the applier reaches it before its first await for them), so they are decided on one load and appended
 * as one batch: the results of a 1,000-branch fork cost about 16 appends, not 1,000 one after the other. A start
 * is awaited alone first, since it resolves its definition before its command. The group's session is kept between
 * runs of 64. Every input is settled before a failure is thrown, so the consumer's one-at-a-time retry never runs
 * beside a first attempt.
 */
export const createBatchApplier =
  (apply: (received: ReceivedInput) => Promise<void>) =>
  async (inputs: readonly ReceivedInput[], heartbeat: () => Promise<void>): Promise<void> => {
    const byExecution = new Map<string, ReceivedInput[]>();
    for (const received of inputs) {
      const list = byExecution.get(received.input.workflowId);
      if (list) list.push(received);
      else byExecution.set(received.input.workflowId, [received]);
    }
    const failures: unknown[] = [];
    const settle = async (work: readonly Promise<void>[]): Promise<void> => {
      for (const outcome of await Promise.allSettled(work)) if (outcome.status === 'rejected') failures.push(outcome.reason);
    };
    const applyExecution = async (list: readonly ReceivedInput[]): Promise<void> => {
      let run: Promise<void>[] = [];
      for (const received of list) {
        if (received.input.kind !== 'start') {
          run.push(apply(received));
          if (run.length < groupSize) continue;
          await settle(run);
          run = [];
          await heartbeat();
          if (failures.length > 0) return;
          continue;
        }
        await settle(run);
        run = [];
        if (failures.length > 0) return;
        await settle([apply(received)]);
        if (failures.length > 0) return;
      }
      await settle(run);
    };
    const queue = [...byExecution.values()];
    await Promise.all(
      Array.from({ length: Math.min(executionsAtOnce, queue.length) }, async () => {
        for (let next = queue.shift(); next !== undefined && failures.length === 0; next = queue.shift()) await applyExecution(next);
      }),
    );
    if (failures.length > 0) throw failures[0];
  };
