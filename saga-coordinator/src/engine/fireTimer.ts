import { taskById, taskDefFor } from './decision.ts';
import type { Decision } from './decision.ts';
import type { Timer } from './engineInput.ts';
import { endWorkflow } from './endWorkflow.ts';
import { isTerminalTask, isTerminalWorkflow, type TaskRecord } from './execution.ts';
import type { TimeoutPolicy } from './workflowDef.ts';
import { finishTask } from './progress.ts';
import { dispatch, handOut, startTask } from './startTask.ts';

/** A task's timeout (or poll timeout) passed: its policy says what happens. */
const timeOut = (decision: Decision, task: TaskRecord, timer: 'timeout' | 'pollTimeout', policy: TimeoutPolicy, why: string): void => {
  if (policy === 'ALERT_ONLY') {
    decision.emit({ type: 'TimeoutAlerted', data: { timer, taskId: task.taskId, at: decision.at } });
    return;
  }
  const reason = `${why}. Timeout policy configured to ${policy}`;
  if (policy === 'RETRY') {
    finishTask(decision, task.taskId, 'TIMED_OUT', { reason });
    return;
  }
  decision.emit({
    type: 'TaskUpdated',
    data: { taskId: task.taskId, status: 'TIMED_OUT', at: decision.at, reasonForIncompletion: reason },
  });
  endWorkflow(decision, 'TIMED_OUT', { viaDecider: true, reason, failedTask: taskById(decision, task.taskId) });
};

/** A durable timer is due. A timer whose reason has passed (the task moved on, a newer timer exists) does nothing. */
export const fireTimer = (decision: Decision, timer: Timer): void => {
  const execution = decision.execution();
  if (isTerminalWorkflow(execution.status)) return;
  if (timer.kind === 'workflowTimeout') {
    const limit = execution.definition.timeoutSeconds ?? 0;
    const since = execution.lastRetriedTime ?? execution.createTime;
    if (limit <= 0 || decision.at - since < limit * 1000) return;
    if ((execution.definition.timeoutPolicy ?? 'ALERT_ONLY') !== 'TIME_OUT_WF') {
      decision.emit({ type: 'TimeoutAlerted', data: { timer: 'workflowTimeout', at: decision.at } });
      return;
    }
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
    case 'slot':
      // granted: handed out now (a paused execution hands it out on resume, asking again: the slot is still its own)
      if (task.status !== 'SCHEDULED') return;
      if (execution.status === 'PAUSED') decision.emit({ type: 'ContinuationDeferred', data: { taskId: task.taskId } });
      else dispatch(decision, task);
      return;
    case 'pollTimeout': {
      const limit = taskDef.pollTimeoutSeconds ?? 0;
      // as Conductor's "not polled within pollTimeoutSeconds": still waiting to be handed out (held by its limits), or
      // handed out and taken by no worker since (its hand-out is its last update then)
      const held = task.status === 'SCHEDULED' && task.startTime === 0;
      const untaken = task.status === 'IN_PROGRESS' && task.awaitingPoll === true;
      const since = held ? task.scheduledTime : task.updateTime;
      if (limit <= 0 || !(held || untaken) || decision.at - since < limit * 1000) return;
      timeOut(
        decision,
        task,
        'pollTimeout',
        taskDef.timeoutPolicy ?? 'TIME_OUT_WF',
        `Task poll timed out after ${Math.floor((decision.at - since) / 1000)} seconds. Poll timeout configured as ${limit} seconds`,
      );
      return;
    }
    case 'wait':
      if (task.type === 'WAIT') finishTask(decision, task.taskId, 'COMPLETED', {});
      return;
    case 'callback':
      if (task.status === 'SCHEDULED' && task.callbackAfterSeconds > 0 && decision.at - task.updateTime >= task.callbackAfterSeconds * 1000)
        handOut(decision, task);
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
      if (limit <= 0 || decision.at - since < limit * 1000) return;
      timeOut(
        decision,
        task,
        'timeout',
        policy,
        `Task timed out after ${Math.floor((decision.at - since) / 1000)} seconds. Timeout configured as ${limit} seconds`,
      );
      return;
    }
  }
};
