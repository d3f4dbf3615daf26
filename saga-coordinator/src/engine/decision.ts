import type { EngineCommand } from './engineCommand.ts';
import type { Timer } from './engineInput.ts';
import { evolve } from './evolve.ts';
import type { Placement, StartedExecution, TaskRecord } from './execution.ts';
import type { ExecutionEvent } from './executionEvents.ts';
import type { ExpressionContext } from './resolveParameters.ts';
import type { ScriptEvaluator } from './scriptEvaluator.ts';
import { adHocTaskDef, typeOf } from './workflowDef.ts';
import type { TaskDef, WorkflowTask } from './workflowDef.ts';

/**
 * One decision in the making: each event is folded at once, so later steps of the same decision see it. Local to
 * one `decide` call; what leaves it is the events and commands.
 */
export type Decision = {
  readonly at: number;
  readonly scripts: ScriptEvaluator;
  readonly execution: () => StartedExecution;
  readonly emit: (event: ExecutionEvent) => void;
  readonly command: (command: EngineCommand) => void;
  readonly events: readonly ExecutionEvent[];
  readonly commands: readonly EngineCommand[];
};

export const createDecision = (execution: StartedExecution, at: number, scripts: ScriptEvaluator): Decision => {
  let current = execution;
  const events: ExecutionEvent[] = [];
  const commands: EngineCommand[] = [];
  return {
    at,
    scripts,
    execution: () => current,
    emit: (event) => {
      events.push(event);
      current = evolve(current, event) as StartedExecution;
    },
    command: (command) => {
      commands.push(command);
    },
    events,
    commands,
  };
};

export const taskById = (decision: Decision, taskId: string): TaskRecord | undefined =>
  decision.execution().tasks.find((task) => task.taskId === taskId);

/** The latest attempt of a ref (in an iteration, when given). */
export const latestByRef = (decision: Decision, referenceTaskName: string): TaskRecord | undefined => {
  const tasks = decision.execution().tasks;
  for (let index = tasks.length - 1; index >= 0; index -= 1) {
    const task = tasks[index] as TaskRecord;
    if (task.referenceTaskName === referenceTaskName) return task;
  }
  return undefined;
};

/** The task def a task of an execution runs under: registered when it started, inline, or Conductor's ad-hoc one. */
export const taskDefOf = (execution: StartedExecution, task: WorkflowTask): TaskDef =>
  execution.taskDefs[task.name] ?? task.taskDefinition ?? adHocTaskDef(task.name, typeOf(task));

export const taskDefFor = (decision: Decision, task: WorkflowTask): TaskDef => taskDefOf(decision.execution(), task);

/** Whether tasks of this def wait for a slot of the service's task gate (concurrentExecLimit, rateLimitPerFrequency). */
export const isLimited = (taskDef: TaskDef): boolean => (taskDef.concurrentExecLimit ?? 0) > 0 || (taskDef.rateLimitPerFrequency ?? 0) > 0;

export const scheduleTimer = (decision: Decision, timer: Timer, fireAt: number): void => {
  const owner = timer.kind === 'workflowTimeout' ? decision.execution().workflowId : timer.taskId;
  decision.command({
    type: 'ScheduleTimer',
    workflowId: decision.execution().workflowId,
    timerId: `${owner}:${timer.kind}:${fireAt}`,
    fireAt,
    timer,
  });
};

/** What `${…}` reads: the workflow, and each ref's latest attempt (a loop task under its ref without `__N` too). */
export const expressionContext = (decision: Decision, taskId?: string): ExpressionContext => {
  const execution = decision.execution();
  const context: Record<string, unknown> = {
    workflow: {
      input: execution.input,
      output: execution.output,
      status: execution.status,
      workflowId: execution.workflowId,
      parentWorkflowId: execution.parentWorkflowId,
      parentWorkflowTaskId: execution.parentWorkflowTaskId,
      workflowType: execution.definition.name,
      version: execution.definition.version ?? 1,
      correlationId: execution.correlationId,
      reasonForIncompletion: execution.reasonForIncompletion,
      schemaVersion: 2,
      variables: execution.variables,
    },
  };
  for (const task of execution.tasks) {
    const view = {
      input: task.inputData,
      output: task.outputData,
      taskType: task.taskType,
      status: task.status,
      referenceTaskName: task.referenceTaskName,
      retryCount: task.retryCount,
      correlationId: execution.correlationId,
      pollCount: task.pollCount,
      taskDefName: task.taskDefName,
      scheduledTime: task.scheduledTime,
      startTime: task.startTime,
      endTime: task.endTime,
      workflowInstanceId: execution.workflowId,
      taskId: task.taskId,
      reasonForIncompletion: task.reasonForIncompletion,
      callbackAfterSeconds: task.callbackAfterSeconds,
      workerId: task.workerId,
      iteration: task.iteration,
    };
    context[task.ref] = view;
    context[task.referenceTaskName] = view;
  }
  if (taskId !== undefined) context['CPEWF_TASK_ID'] = taskId;
  return context;
};

/** Where the next node after a task goes: the same branch, iteration and loop. */
export const placementOf = (task: Placement): Placement => ({
  branch: task.branch,
  iteration: task.iteration,
  ...(task.loopTaskId === undefined ? {} : { loopTaskId: task.loopTaskId }),
  ...(task.compensationOf === undefined ? {} : { compensationOf: task.compensationOf }),
});
