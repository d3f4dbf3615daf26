import { RuleViolationError } from '@waggle/errors';
import type { Decider } from '@waggle/event-store';
import { applyTaskResult } from './applyTaskResult.ts';
import { createDecision, taskById } from './decision.ts';
import type { EngineCommand } from './engineCommand.ts';
import type { EngineInput, OperatorActionType, OperatorNote } from './engineInput.ts';
import { evolve } from './evolve.ts';
import { initialState, isTerminalTask } from './execution.ts';
import type { Execution, OperatorActionRecord, StartedExecution } from './execution.ts';
import type { ExecutionEvent } from './executionEvents.ts';
import { fireTimer } from './fireTimer.ts';
import {
  pauseWorkflow,
  removeWorkflow,
  rerunWorkflow,
  resumeFromChild,
  restartWorkflow,
  resumeWorkflow,
  retryWorkflow,
  skipTask,
  startWorkflow,
  terminateWorkflow,
} from './operatorActions.ts';
import { finishTask } from './progress.ts';
import type { ScriptEvaluator } from './scriptEvaluator.ts';

/** What one input decided: the events to append (the execution's history) and the commands for the service to carry out. */
export type Decided = { readonly events: readonly ExecutionEvent[]; readonly commands: readonly EngineCommand[] };

const nothing: Decided = { events: [], commands: [] };

/** Inputs the system sends rather than an operator: results, timers, a child's news. */
const systemInputs: ReadonlySet<EngineInput['type']> = new Set([
  'ReportTaskResult',
  'FireTimer',
  'ReportSubWorkflowEnded',
  'ReportSubWorkflowRetried',
]);

const subWorkflowStatus = { COMPLETED: 'COMPLETED', FAILED: 'FAILED', TERMINATED: 'CANCELED', TIMED_OUT: 'TIMED_OUT' } as const;

const toOperatorRecord = (input: Extract<EngineInput, { type: OperatorActionType }>, by: OperatorNote): OperatorActionRecord => {
  const target = input.type === 'SkipTask' ? input.referenceTaskName : input.type === 'RerunWorkflow' ? input.reRunFromTaskId : undefined;
  const reason = by.reason ?? (input.type === 'TerminateWorkflow' || input.type === 'RemoveWorkflow' ? input.reason : undefined);
  return {
    action: input.type,
    actor: by.actor,
    at: input.meta.at,
    ...(reason === undefined ? {} : { reason }),
    ...(target === undefined ? {} : { target }),
    ...(input.type === 'TerminateWorkflow' ? { compensate: input.compensate ?? false } : {}),
    ...(input.type === 'RestartWorkflow' ? { useLatestDefinitions: input.definition !== undefined } : {}),
  };
};

/**
 * The engine: an input and the execution so far give events and commands. Pure and deterministic: time comes in
 * `input.meta.at`, ids derive from the workflow id and task sequence, scripts run through the injected evaluator.
 * An operator action that does not fit the execution's state throws a RuleViolationError (Conductor's 409).
 */
export const decide = (input: EngineInput, execution: Execution, scripts: ScriptEvaluator): Decided => {
  if (input.type === 'StartWorkflow') {
    if (execution.status !== 'NONE') return nothing;
    const startedEvent: ExecutionEvent = {
      type: 'WorkflowStarted',
      data: {
        workflowId: input.workflowId,
        definition: input.definition,
        taskDefs: Object.fromEntries((input.taskDefs ?? []).map((taskDef) => [taskDef.name, taskDef])),
        input: input.input ?? {},
        priority: input.priority ?? 0,
        at: input.meta.at,
        ...(input.correlationId === undefined ? {} : { correlationId: input.correlationId }),
        ...(input.parentWorkflowId === undefined ? {} : { parentWorkflowId: input.parentWorkflowId }),
        ...(input.parentWorkflowTaskId === undefined ? {} : { parentWorkflowTaskId: input.parentWorkflowTaskId }),
      },
    };
    const decision = createDecision(evolve(initialState(), startedEvent) as StartedExecution, input.meta.at, scripts);
    startWorkflow(decision);
    return { events: [startedEvent, ...decision.events], commands: decision.commands };
  }
  // no execution (yet, or any more): what the system sends is dropped, what an operator asks is refused
  if (execution.status === 'NONE' || execution.removed === true) {
    if (systemInputs.has(input.type)) return nothing;
    throw new RuleViolationError('No such workflow');
  }
  const decision = createDecision(execution, input.meta.at, scripts);
  // the record comes first, as the cause of what follows; a refused action throws below and leaves no record
  if ('by' in input && input.by !== undefined) decision.emit({ type: 'OperatorActionRecorded', data: toOperatorRecord(input, input.by) });
  switch (input.type) {
    case 'ReportTaskResult':
      applyTaskResult(decision, input.result);
      break;
    case 'ReportSubWorkflowEnded': {
      const task = taskById(decision, input.taskId);
      if (task === undefined || task.type !== 'SUB_WORKFLOW' || isTerminalTask(task.status) || task.subWorkflowId !== input.subWorkflowId)
        break;
      const status = subWorkflowStatus[input.status];
      finishTask(decision, task.taskId, status, {
        output: { ...(input.output ?? {}), subWorkflowId: input.subWorkflowId },
        ...(status === 'COMPLETED'
          ? {}
          : { reason: `Sub workflow ${input.subWorkflowId} failure reason: ${input.reasonForIncompletion ?? input.status}` }),
      });
      break;
    }
    case 'FireTimer':
      fireTimer(decision, input.timer);
      break;
    case 'PauseWorkflow':
      pauseWorkflow(decision);
      break;
    case 'ResumeWorkflow':
      resumeWorkflow(decision);
      break;
    case 'TerminateWorkflow':
      terminateWorkflow(decision, input.reason, input.compensate ?? false);
      break;
    case 'RetryWorkflow':
      retryWorkflow(decision, {
        ...(input.resumeSubworkflowTasks === undefined ? {} : { resume: input.resumeSubworkflowTasks }),
        ...(input.fromParent === undefined ? {} : { fromParent: input.fromParent }),
      });
      break;
    case 'ReportSubWorkflowRetried':
      resumeFromChild(decision, input.taskId, input.subWorkflowId);
      break;
    case 'RerunWorkflow':
      rerunWorkflow(decision, input.reRunFromTaskId, input.taskInput, input.workflowInput);
      break;
    case 'RestartWorkflow':
      restartWorkflow(decision, input.definition, input.taskDefs);
      break;
    case 'RemoveWorkflow':
      removeWorkflow(decision, input.terminate ?? false, input.reason);
      break;
    case 'SkipTask':
      skipTask(decision, input.referenceTaskName, input.taskInput ?? {}, input.taskOutput ?? {});
      break;
  }
  return { events: decision.events, commands: decision.commands };
};

/**
 * The engine as a platform Decider for `handleCommand`: the commands of a decision travel as its last event,
 * CommandsIssued, so they are appended with the transition and relayed by the outbox.
 */
export const createExecutionDecider = (scripts: ScriptEvaluator): Decider<EngineInput, ExecutionEvent, Execution> => ({
  initialState,
  decide: (input, execution) => {
    const { events, commands } = decide(input, execution, scripts);
    return commands.length === 0 ? events : [...events, { type: 'CommandsIssued', data: { commands } }];
  },
  evolve,
  // 2: executions keep their operator actions (a snapshot of 1 is folded again from the history)
  stateVersion: 2,
});
