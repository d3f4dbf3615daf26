import { decide } from './decide.ts';
import type { EngineCommand } from './engineCommand.ts';
import type { EngineInput, Timer } from './engineInput.ts';
import { evolve } from './evolve.ts';
import { initialState } from './execution.ts';
import type { Execution, StartedExecution, TaskResult } from './execution.ts';
import type { ExecutionEvent } from './executionEvents.ts';
import type { ScriptEvaluator } from './scriptEvaluator.ts';
import type { TaskDef, WorkflowDef } from './workflowDef.ts';

type Dispatch = Extract<EngineCommand, { type: 'DispatchTask' }>;
type Input = EngineInput extends infer T ? (T extends EngineInput ? Omit<T, 'meta'> : never) : never;

/** How a simulated worker answers a dispatched task; undefined leaves it unanswered. */
export type SimulatedWorker = (task: Dispatch) => Omit<TaskResult, 'taskId'> | undefined;

/**
 * The decider driven in memory, the way the service will drive it: commands become the next inputs (workers answer,
 * timers fire on a virtual clock, children start and report to their parents). For tests, no I/O at all.
 */
export const createInMemoryEngine = (options: {
  readonly scripts: ScriptEvaluator;
  readonly definitions?: readonly WorkflowDef[];
  readonly taskDefs?: readonly TaskDef[];
  readonly worker?: SimulatedWorker;
  readonly start?: number;
}) => {
  let now = options.start ?? 1_700_000_000_000;
  const histories = new Map<string, ExecutionEvent[]>();
  const states = new Map<string, Execution>();
  const timers: { fireAt: number; workflowId: string; timerId: string; timer: Timer }[] = [];
  const queue: { workflowId: string; input: Input }[] = [];
  const commands: EngineCommand[] = [];
  let worker: SimulatedWorker = options.worker ?? (() => ({ status: 'COMPLETED', outputData: {} }));

  const findDefinition = (name: string, version?: number): WorkflowDef | undefined =>
    (options.definitions ?? [])
      .filter((def) => def.name === name && (version === undefined || (def.version ?? 1) === version))
      .sort((a, b) => (b.version ?? 1) - (a.version ?? 1))[0];

  const apply = (workflowId: string, input: Input): void => {
    const state = states.get(workflowId) ?? initialState();
    const decided = decide({ ...input, meta: { at: now } }, state, options.scripts);
    states.set(workflowId, decided.events.reduce<Execution>(evolve, state));
    histories.set(workflowId, [...(histories.get(workflowId) ?? []), ...decided.events]);
    for (const command of decided.commands) carryOut(command);
  };

  const carryOut = (command: EngineCommand): void => {
    commands.push(command);
    switch (command.type) {
      case 'DispatchTask': {
        const answer = worker(command);
        if (answer !== undefined)
          queue.push({
            workflowId: command.workflowId,
            input: { type: 'ReportTaskResult', result: { ...answer, taskId: command.taskId } },
          });
        return;
      }
      case 'ScheduleTimer':
        timers.push({ fireAt: command.fireAt, workflowId: command.workflowId, timerId: command.timerId, timer: command.timer });
        return;
      case 'StartWorkflow': {
        const definition = command.definition ?? findDefinition(command.name, command.version);
        if (definition === undefined) {
          if (command.parentWorkflowId !== undefined && command.parentWorkflowTaskId !== undefined)
            queue.push({
              workflowId: command.parentWorkflowId,
              input: {
                type: 'ReportSubWorkflowEnded',
                taskId: command.parentWorkflowTaskId,
                subWorkflowId: command.workflowId,
                status: 'FAILED',
                reasonForIncompletion: `no workflow definition ${command.name}`,
              },
            });
          return;
        }
        queue.push({
          workflowId: command.workflowId,
          input: {
            type: 'StartWorkflow',
            workflowId: command.workflowId,
            definition,
            taskDefs: options.taskDefs ?? [],
            input: command.input,
            ...(command.correlationId === undefined ? {} : { correlationId: command.correlationId }),
            ...(command.parentWorkflowId === undefined ? {} : { parentWorkflowId: command.parentWorkflowId }),
            ...(command.parentWorkflowTaskId === undefined ? {} : { parentWorkflowTaskId: command.parentWorkflowTaskId }),
          },
        });
        return;
      }
      case 'NotifyParent':
        queue.push({
          workflowId: command.parentWorkflowId,
          input: {
            type: 'ReportSubWorkflowEnded',
            taskId: command.parentWorkflowTaskId,
            subWorkflowId: command.workflowId,
            status: command.status,
            output: command.output,
            ...(command.reasonForIncompletion === undefined ? {} : { reasonForIncompletion: command.reasonForIncompletion }),
          },
        });
        return;
      case 'TerminateWorkflow':
        queue.push({ workflowId: command.workflowId, input: { type: 'TerminateWorkflow', reason: command.reason } });
        return;
      case 'RetryWorkflow':
        queue.push({ workflowId: command.workflowId, input: { type: 'RetryWorkflow', resumeSubworkflowTasks: true, fromParent: true } });
        return;
      case 'NotifyParentRetried':
        queue.push({
          workflowId: command.parentWorkflowId,
          input: { type: 'ReportSubWorkflowRetried', taskId: command.parentWorkflowTaskId, subWorkflowId: command.workflowId },
        });
        return;
      case 'RequestSlot':
        // no other executions compete here: the slot is granted at once (the service's gate enforces the limits)
        queue.push({
          workflowId: command.workflowId,
          input: {
            type: 'FireTimer',
            timerId: `${command.taskId}:slot:${command.requestedAt}`,
            timer: { kind: 'slot', taskId: command.taskId },
          },
        });
        return;
      case 'CancelTask':
      case 'PublishEvent':
        return;
    }
  };

  /** Applies queued inputs, then fires due timers, the clock moving on to each, until none is due within `advanceMs`. */
  const settle = (limits: { readonly maxSteps?: number; readonly advanceMs?: number } = {}): void => {
    const horizon = now + (limits.advanceMs ?? 24 * 3600 * 1000);
    for (let step = 0; step < (limits.maxSteps ?? 10_000); step += 1) {
      const next = queue.shift();
      if (next !== undefined) {
        apply(next.workflowId, next.input);
        continue;
      }
      timers.sort((a, b) => a.fireAt - b.fireAt);
      const timer = timers[0];
      if (timer === undefined || timer.fireAt > horizon) {
        now = Math.max(now, horizon);
        return;
      }
      timers.shift();
      now = Math.max(now, timer.fireAt);
      apply(timer.workflowId, { type: 'FireTimer', timerId: timer.timerId, timer: timer.timer });
    }
  };

  return {
    start: (workflowId: string, definition: WorkflowDef, input: Record<string, unknown> = {}) => {
      queue.push({ workflowId, input: { type: 'StartWorkflow', workflowId, definition, taskDefs: options.taskDefs ?? [], input } });
      settle({ advanceMs: 0 });
    },
    send: (workflowId: string, input: Input) => {
      queue.push({ workflowId, input });
      settle({ advanceMs: 0 });
    },
    settle,
    advance: (ms: number) => settle({ advanceMs: ms }),
    setWorker: (next: SimulatedWorker) => {
      worker = next;
    },
    execution: (workflowId: string): StartedExecution => {
      const state = states.get(workflowId);
      if (state === undefined || state.status === 'NONE') throw new Error(`no execution ${workflowId}`);
      return state;
    },
    history: (workflowId: string): readonly ExecutionEvent[] => histories.get(workflowId) ?? [],
    commands: () => commands as readonly EngineCommand[],
    now: () => now,
  };
};
