import { compensationProgress, compensationTaskFailed } from './compensation.ts';
import { placementOf, taskById, taskDefFor } from './decision.ts';
import type { Decision } from './decision.ts';
import { endWorkflow } from './endWorkflow.ts';
import type { TaskRecord } from './execution.ts';
import { continueAfter } from './progress.ts';
import { retryDelaySeconds } from './retryPolicy.ts';
import { scheduleTask } from './scheduleTask.ts';

// Conductor never auto-retries its control tasks (TaskType.isBuiltIn)
const neverRetried = ['SWITCH', 'DECISION', 'FORK_JOIN', 'FORK_JOIN_DYNAMIC', 'JOIN', 'DO_WHILE', 'TERMINATE', 'SET_VARIABLE'];

/** A new attempt of a FAILED or TIMED_OUT task while its retries last; false when there is none to make. */
export const retryTask = (decision: Decision, task: TaskRecord): boolean => {
  if (!['FAILED', 'TIMED_OUT'].includes(task.status) || neverRetried.includes(task.type)) return false;
  const taskDef = taskDefFor(decision, task.workflowTask);
  const allowed = task.workflowTask.retryCount ?? taskDef.retryCount ?? 0;
  if (task.retryCount >= allowed) return false;
  const total = taskDef.totalTimeoutSeconds ?? 0;
  const first = decision.execution().tasks.find((other) => other.ref === task.ref && other.iteration === task.iteration);
  if (total > 0 && first !== undefined && decision.at - first.scheduledTime >= total * 1000) return false;
  scheduleTask(decision, task.workflowTask, placementOf(task), {
    inputData: task.inputData,
    retryOf: task,
    delaySeconds: retryDelaySeconds(taskDef, task.retryCount),
  });
  return true;
};

/** Conductor's failure propagation: a retry, or an optional task's COMPLETED_WITH_ERRORS, or the workflow ends. */
export const failTask = (decision: Decision, task: TaskRecord): void => {
  if (task.compensationOf !== undefined) {
    if (!retryTask(decision, task)) compensationTaskFailed(decision, task);
    return;
  }
  // a step the compensation waited for ended without success: the compensation moves on
  if (decision.execution().compensation !== undefined) return compensationProgress(decision);
  if (retryTask(decision, task)) return;
  if (task.workflowTask.optional === true && task.status !== 'CANCELED') {
    decision.emit({ type: 'TaskUpdated', data: { taskId: task.taskId, status: 'COMPLETED_WITH_ERRORS', at: decision.at } });
    continueAfter(decision, taskById(decision, task.taskId) ?? task);
    return;
  }
  const loop = task.loopTaskId === undefined ? undefined : taskById(decision, task.loopTaskId);
  if (loop !== undefined && loop.status === 'IN_PROGRESS')
    decision.emit({
      type: 'TaskUpdated',
      data: { taskId: loop.taskId, status: 'FAILED', at: decision.at, reasonForIncompletion: `${task.referenceTaskName} failed` },
    });
  const status = task.status === 'TIMED_OUT' ? 'TIMED_OUT' : task.status === 'CANCELED' ? 'TERMINATED' : 'FAILED';
  endWorkflow(decision, status, {
    viaDecider: true,
    reason: `Task ${task.taskId} failed with status: ${task.status} and reason: '${task.reasonForIncompletion ?? ''}'`,
    failedTask: task,
  });
};
