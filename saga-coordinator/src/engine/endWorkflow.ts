import { compensationPlan, scheduleReadyCompensations } from './compensation.ts';
import { expressionContext } from './decision.ts';
import type { Decision } from './decision.ts';
import { isTerminalTask } from './execution.ts';
import type { StartedExecution, TaskRecord } from './execution.ts';
import { readPath, resolveValue } from './resolveParameters.ts';
import { toWorkflowJson } from './toWorkflowJson.ts';

type EndStatus = 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'TERMINATED';

export type EndOptions = {
  readonly viaDecider: boolean;
  readonly reason?: string | undefined;
  readonly output?: Readonly<Record<string, unknown>>;
  readonly failedTask?: TaskRecord | undefined;
  /** Defaults to true for an end the decider reached that is not COMPLETED. */
  readonly compensate?: boolean;
};

const workerTypes = ['SIMPLE', 'DYNAMIC', 'HTTP', 'WAIT', 'EVENT'];

/** Worker tasks in flight whose effect a compensation would undo: a compensation waits for them instead of canceling. */
export const inFlightCompensable = (execution: StartedExecution): TaskRecord[] =>
  execution.tasks.filter(
    (task) =>
      task.compensationOf === undefined &&
      task.workflowTask.compensation !== undefined &&
      workerTypes.includes(task.type) &&
      task.type !== 'WAIT' &&
      (task.status === 'IN_PROGRESS' || (task.status === 'SCHEDULED' && task.startTime !== undefined)),
  );

/** Every task still open is canceled (but those in `keep`); workers and children are told. */
export const cancelOpenTasks = (decision: Decision, reason: string, keep: ReadonlySet<string> = new Set()): void => {
  const execution = decision.execution();
  for (const task of execution.tasks.filter((candidate) => !isTerminalTask(candidate.status) && !keep.has(candidate.taskId))) {
    decision.emit({
      type: 'TaskUpdated',
      data: { taskId: task.taskId, status: 'CANCELED', at: decision.at, reasonForIncompletion: reason },
    });
    if (task.type === 'SUB_WORKFLOW' && task.subWorkflowId !== undefined)
      decision.command({ type: 'TerminateWorkflow', workflowId: task.subWorkflowId, reason });
    else if (workerTypes.includes(task.type))
      decision.command({ type: 'CancelTask', workflowId: execution.workflowId, taskId: task.taskId, taskType: task.taskType });
  }
};

/** Conductor's workflow output: outputParameters if any, else a successful TERMINATE's output, else the last task's. */
const workflowOutput = (decision: Decision): Record<string, unknown> => {
  const execution = decision.execution();
  const parameters = execution.definition.outputParameters ?? {};
  if (Object.keys(parameters).length > 0) return resolveValue(parameters, expressionContext(decision)) as Record<string, unknown>;
  const tasks = execution.tasks.filter((task) => task.compensationOf === undefined);
  const terminate = tasks.find((task) => task.type === 'TERMINATE' && task.status === 'COMPLETED');
  return { ...(terminate ?? tasks[tasks.length - 1])?.outputData };
};

/** The end itself: output, failureWorkflow (only for an end the decider reached), the parent told. */
export const finalizeWorkflow = (decision: Decision, status: EndStatus, options: EndOptions): void => {
  const execution = decision.execution();
  const output: Record<string, unknown> = { ...(options.output ?? workflowOutput(decision)) };
  let failureWorkflowId: string | undefined;
  const failureName = execution.definition.failureWorkflow;
  if (options.viaDecider && status !== 'COMPLETED' && typeof failureName === 'string' && failureName !== '') {
    const resolved = failureName.startsWith('$')
      ? readPath(expressionContext(decision), failureName.slice(1).replace(/^\{|\}$/g, ''))
      : failureName;
    if (typeof resolved === 'string' && resolved !== '') {
      failureWorkflowId = `${execution.workflowId}:failure`;
      output['conductor.failure_workflow'] = failureWorkflowId;
      decision.command({
        type: 'StartWorkflow',
        purpose: 'FAILURE_WORKFLOW',
        workflowId: failureWorkflowId,
        name: resolved,
        ...(execution.definition.failureWorkflowVersion === undefined ? {} : { version: execution.definition.failureWorkflowVersion }),
        input: {
          ...execution.input,
          workflowId: execution.workflowId,
          reason: options.reason ?? null,
          failureStatus: status,
          ...(options.failedTask === undefined ? {} : { failureTaskId: options.failedTask.taskId }),
          failedWorkflow: toWorkflowJson({
            ...execution,
            status,
            ...(options.reason === undefined ? {} : { reasonForIncompletion: options.reason }),
          }),
        },
        ...(execution.correlationId === undefined ? {} : { correlationId: execution.correlationId }),
      });
    }
  }
  decision.emit({
    type: 'WorkflowEnded',
    data: {
      status,
      at: decision.at,
      output,
      ...(options.reason === undefined ? {} : { reasonForIncompletion: options.reason }),
      ...(options.failedTask === undefined
        ? {}
        : { failedReferenceTaskNames: [options.failedTask.referenceTaskName], failedTaskNames: [options.failedTask.taskDefName] }),
      ...(failureWorkflowId === undefined ? {} : { failureWorkflowId }),
    },
  });
  notifyParentOfEnd(decision, status, output, options.reason);
};

/** A child's end, told to its parent (when it has one). */
export const notifyParentOfEnd = (
  decision: Decision,
  status: EndStatus,
  output: Readonly<Record<string, unknown>>,
  reason: string | undefined,
): void => {
  const { parentWorkflowId, parentWorkflowTaskId, workflowId } = decision.execution();
  if (parentWorkflowId === undefined || parentWorkflowTaskId === undefined) return;
  decision.command({
    type: 'NotifyParent',
    parentWorkflowId,
    parentWorkflowTaskId,
    workflowId,
    status,
    output,
    ...(reason === undefined ? {} : { reasonForIncompletion: reason }),
  });
};

/** An execution ends: open tasks are canceled, then completed steps are compensated (if any), then it ends. */
export const endWorkflow = (decision: Decision, status: EndStatus, options: EndOptions): void => {
  const compensate = status !== 'COMPLETED' && (options.compensate ?? options.viaDecider);
  // a step in flight may have had its effect already: a compensation waits for its outcome rather than cancel it
  const awaited = compensate ? inFlightCompensable(decision.execution()) : [];
  cancelOpenTasks(decision, options.reason ?? `Workflow is ${status}`, new Set(awaited.map((task) => task.taskId)));
  const plan = compensate ? compensationPlan(decision.execution(), awaited) : [];
  if (plan.length === 0) {
    finalizeWorkflow(decision, status, options);
    return;
  }
  decision.emit({
    type: 'CompensationStarted',
    data: {
      cause: status === 'COMPLETED' ? 'FAILED' : status,
      reason: options.reason ?? `Workflow is ${status}`,
      viaDecider: options.viaDecider,
      ...(options.failedTask === undefined ? {} : { failedTaskId: options.failedTask.taskId }),
      plan,
      at: decision.at,
    },
  });
  scheduleReadyCompensations(decision);
};
