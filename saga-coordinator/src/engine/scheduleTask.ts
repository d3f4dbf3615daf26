import { applyBufferedResult } from './applyTaskResult.ts';
import { expressionContext, placementOf, taskDefFor } from './decision.ts';
import type { Decision } from './decision.ts';
import { isTerminalWorkflow } from './execution.ts';
import type { Placement, TaskRecord } from './execution.ts';
import { continueAfter, finishTask } from './progress.ts';
import { resolveParameters } from './resolveParameters.ts';
import { startTask } from './startTask.ts';
import { typeOf } from './workflowDef.ts';
import type { WorkflowTask } from './workflowDef.ts';

export type ScheduleOptions = {
  readonly inputData?: Readonly<Record<string, unknown>>;
  readonly retryOf?: TaskRecord;
  readonly joinOn?: readonly string[];
  readonly joinBranches?: Readonly<Record<string, string>>;
  readonly delaySeconds?: number;
};

// Conductor shows a SIMPLE or DYNAMIC task under its def name, a fork as FORK
const runtimeTaskType = (type: string, name: string): string =>
  type === 'SIMPLE' || type === 'DYNAMIC' ? name : type === 'FORK_JOIN' || type === 'FORK_JOIN_DYNAMIC' ? 'FORK' : type;

/** A new task record for a node (or a new attempt of one), then its type's first step. */
export const scheduleTask = (
  decision: Decision,
  node: WorkflowTask,
  placement: Placement,
  options: ScheduleOptions = {},
): TaskRecord | undefined => {
  const execution = decision.execution();
  // an execution that ended (a TERMINATE in an earlier branch of this very fork) or is compensating schedules nothing else
  if (isTerminalWorkflow(execution.status) || (execution.compensation !== undefined && placement.compensationOf === undefined))
    return undefined;
  const seq = execution.nextSeq;
  const taskId = `${execution.workflowId}:${seq}`;
  const referenceTaskName = placement.iteration > 0 ? `${node.taskReferenceName}__${placement.iteration}` : node.taskReferenceName;
  let task = node;
  let inputData =
    options.inputData ??
    resolveParameters(node.inputParameters, expressionContext(decision, taskId), taskDefFor(decision, node).inputTemplate);
  let unresolved = false;
  if (typeOf(node) === 'DYNAMIC') {
    const name = inputData[node.dynamicTaskNameParam ?? 'taskToExecute'];
    unresolved = typeof name !== 'string' || name === '';
    task = { ...node, name: unresolved ? node.name : String(name) };
    inputData =
      options.inputData ??
      resolveParameters(node.inputParameters, expressionContext(decision, taskId), taskDefFor(decision, task).inputTemplate);
  }
  const skip = placement.compensationOf === undefined ? execution.skips[node.taskReferenceName] : undefined;
  const record: TaskRecord = {
    ...placementOf(placement),
    taskId,
    seq,
    referenceTaskName,
    ref: node.taskReferenceName,
    type: typeOf(node),
    taskType: runtimeTaskType(typeOf(node), task.name),
    taskDefName: task.name,
    workflowTask: task,
    status: skip === undefined ? 'SCHEDULED' : 'SKIPPED',
    inputData: skip === undefined ? inputData : { ...inputData, ...skip.taskInput },
    outputData: skip === undefined ? {} : skip.taskOutput,
    retryCount: options.retryOf === undefined ? 0 : options.retryOf.retryCount + 1,
    retried: false,
    ...(options.retryOf === undefined ? {} : { retriedTaskId: options.retryOf.taskId }),
    scheduledTime: decision.at,
    startTime: 0,
    endTime: skip === undefined ? 0 : decision.at,
    updateTime: decision.at,
    callbackAfterSeconds: 0,
    pollCount: 0,
    ...(options.joinOn === undefined ? {} : { joinOn: options.joinOn, joinBranches: options.joinBranches ?? {} }),
  };
  decision.emit({ type: 'TaskScheduled', data: { task: record } });
  if (skip !== undefined) {
    continueAfter(decision, record);
    return record;
  }
  if (unresolved) {
    finishTask(decision, taskId, 'FAILED_WITH_TERMINAL_ERROR', { reason: 'Cannot map a dynamic task based on the parameter and input' });
    return record;
  }
  // a worker task's startDelay holds its first attempt back, as Conductor delays its queue message
  const startDelay = options.retryOf === undefined && ['SIMPLE', 'DYNAMIC', 'HTTP'].includes(record.type) ? (node.startDelay ?? 0) : 0;
  startTask(decision, record, { delaySeconds: options.delaySeconds ?? startDelay });
  applyBufferedResult(decision, record);
  return record;
};

/** Schedules the first node of a list; false when the list is empty. */
export const enterList = (decision: Decision, list: readonly WorkflowTask[] | undefined, placement: Placement): boolean => {
  const first = list?.[0];
  if (first === undefined) return false;
  scheduleTask(decision, first, placement);
  return true;
};
