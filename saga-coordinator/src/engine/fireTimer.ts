import { taskById, taskDefFor } from './decision.ts';
import type { Decision } from './decision.ts';
import type { Timer } from './engineInput.ts';
import { endWorkflow } from './endWorkflow.ts';
import { isTerminalTask, isTerminalWorkflow } from './execution.ts';
import { finishTask } from './progress.ts';
import { dispatch, startTask } from './startTask.ts';

/** A durable timer is due. A timer whose reason has passed (the task moved on, a newer timer exists) does nothing. */
export const fireTimer = (decision: Decision, timer: Timer): void => {
  const execution = decision.execution();
  if (isTerminalWorkflow(execution.status)) return;
  if (timer.kind === 'workflowTimeout') {
    const limit = execution.definition.timeoutSeconds ?? 0;
    const since = execution.lastRetriedTime ?? execution.createTime;
    if (limit > 0 && decision.at - since >= limit * 1000 && (execution.definition.timeoutPolicy ?? 'ALERT_ONLY') === 'TIME_OUT_WF')
      endWorkflow(decision, 'TIMED_OUT', {
        viaDecider: true,
        reason: `Workflow timed out after ${Math.floor((decision.at - since) / 1000)} seconds. Timeout configured as ${limit} seconds. Timeout policy configured to TIME_OUT_WF`,
      });
    return;
  }
  const task = taskById(decision, timer.taskId);
  if (task === undefined || isTerminalTask(task.status) || task.retried) return;
  const taskDef = taskDefFor(decision, task.workflowTask);
  switch (timer.kind) {
    case 'retry':
      if (task.status !== 'SCHEDULED' || task.startTime !== 0) return;
      if (execution.status === 'PAUSED') decision.emit({ type: 'ContinuationDeferred', data: { taskId: task.taskId } });
      else startTask(decision, task, { delaySeconds: 0 });
      return;
    case 'wait':
      if (task.type === 'WAIT') finishTask(decision, task.taskId, 'COMPLETED', {});
      return;
    case 'callback':
      if (task.status === 'SCHEDULED' && task.callbackAfterSeconds > 0 && decision.at - task.updateTime >= task.callbackAfterSeconds * 1000)
        dispatch(decision, task);
      return;
    case 'responseTimeout': {
      const limit = taskDef.responseTimeoutSeconds ?? 0;
      if (limit > 0 && task.status === 'IN_PROGRESS' && decision.at - task.updateTime >= limit * 1000)
        finishTask(decision, task.taskId, 'TIMED_OUT', { reason: `responseTimeout: ${limit} exceeded for taskId: ${task.taskId}` });
      return;
    }
    case 'timeout': {
      const limit = taskDef.timeoutSeconds ?? 0;
      const since = task.startTime > 0 ? task.startTime : task.scheduledTime;
      const policy = taskDef.timeoutPolicy ?? 'TIME_OUT_WF';
      if (limit <= 0 || decision.at - since < limit * 1000 || policy === 'ALERT_ONLY') return;
      const reason = `Task timed out after ${Math.floor((decision.at - since) / 1000)} seconds. Timeout configured as ${limit} seconds. Timeout policy configured to ${policy}`;
      if (policy === 'RETRY') {
        finishTask(decision, task.taskId, 'TIMED_OUT', { reason });
        return;
      }
      decision.emit({
        type: 'TaskUpdated',
        data: { taskId: task.taskId, status: 'TIMED_OUT', at: decision.at, reasonForIncompletion: reason },
      });
      endWorkflow(decision, 'TIMED_OUT', { viaDecider: true, reason, failedTask: taskById(decision, task.taskId) });
      return;
    }
  }
};
