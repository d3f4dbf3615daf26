import { scheduleTimer, taskById, taskDefFor } from './decision.ts';
import type { Decision } from './decision.ts';
import { isTerminalTask, isTerminalWorkflow } from './execution.ts';
import type { TaskRecord, TaskResult } from './execution.ts';
import { outputTooLarge } from '@waggle/task-worker';
import { finishTask } from './progress.ts';

const acceptsResults = (task: TaskRecord): boolean =>
  ['SIMPLE', 'DYNAMIC', 'HTTP', 'WAIT'].includes(task.type) || (task.type === 'EVENT' && task.workflowTask.asyncComplete === true);

const sameOutcome = (task: TaskRecord, result: TaskResult): boolean =>
  task.status === result.status && JSON.stringify(task.outputData) === JSON.stringify(result.outputData ?? {});

/** A result whose output is over the limit fails its task for good, the output left out (a worker outside waggle's library). */
const withinOutputLimit = (result: TaskResult): TaskResult => {
  const tooLarge = outputTooLarge(result.outputData);
  if (tooLarge === undefined) return result;
  const { outputData: _dropped, callbackAfterSeconds: _callback, ...rest } = result;
  return { ...rest, status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: tooLarge };
};

/** The open task a result is for: by task id, else the latest open attempt of the reference name. */
const findTask = (decision: Decision, result: TaskResult): TaskRecord | undefined => {
  if (result.taskId !== undefined) return taskById(decision, result.taskId);
  const candidates = decision
    .execution()
    .tasks.filter((task) => task.referenceTaskName === result.referenceTaskName || task.ref === result.referenceTaskName);
  return [...candidates].reverse().find((task) => !isTerminalTask(task.status)) ?? candidates[candidates.length - 1];
};

const apply = (decision: Decision, task: TaskRecord, result: TaskResult): void => {
  if (result.status === 'IN_PROGRESS') {
    const callback = Math.max(0, result.callbackAfterSeconds ?? 0);
    decision.emit({
      type: 'TaskUpdated',
      data: {
        taskId: task.taskId,
        // Conductor puts a task that asks to be called back into SCHEDULED until the callback is due
        status: callback > 0 && task.type !== 'WAIT' ? 'SCHEDULED' : 'IN_PROGRESS',
        at: decision.at,
        callbackAfterSeconds: callback,
        ...(result.outputData === undefined ? {} : { outputData: result.outputData }),
        ...(result.workerId === undefined ? {} : { workerId: result.workerId }),
        // taken: a poll's or a Kafka worker's receipt, or any update from the worker
        ...(task.awaitingPoll === true ? { awaitingPoll: false } : {}),
      },
    });
    if (callback > 0 && task.type !== 'WAIT')
      scheduleTimer(decision, { kind: 'callback', taskId: task.taskId }, decision.at + callback * 1000);
    const response = taskDefFor(decision, task.workflowTask).responseTimeoutSeconds ?? 0;
    if (response > 0 && task.type !== 'WAIT')
      scheduleTimer(decision, { kind: 'responseTimeout', taskId: task.taskId }, decision.at + (callback + response) * 1000);
    return;
  }
  finishTask(decision, task.taskId, result.status, {
    output: result.outputData ?? {},
    ...(result.reasonForIncompletion === undefined ? {} : { reason: result.reasonForIncompletion }),
    ...(result.workerId === undefined ? {} : { workerId: result.workerId }),
  });
};

/**
 * A worker's result: applied to its open task; a duplicate is ignored; a late one (the task already ended or was
 * retried) is recorded, never applied; an early one (no such task yet) is buffered until its task is scheduled.
 */
export const applyTaskResult = (decision: Decision, given: TaskResult): void => {
  const execution = decision.execution();
  const result = withinOutputLimit(given);
  const task = findTask(decision, result);
  const late = (note: string): void => decision.emit({ type: 'LateTaskResultRecorded', data: { result, at: decision.at, note } });
  if (task === undefined) {
    if (isTerminalWorkflow(execution.status)) late(`the workflow is already ${execution.status}`);
    else decision.emit({ type: 'TaskResultBuffered', data: { result, at: decision.at } });
    return;
  }
  if (isTerminalTask(task.status) || task.retried) {
    if (!sameOutcome(task, result))
      late(task.retried ? `attempt ${task.retryCount} was already retried` : `the task is already ${task.status}`);
    return;
  }
  if (isTerminalWorkflow(execution.status)) return late(`the workflow is already ${execution.status}`);
  if (!acceptsResults(task)) return late(`a ${task.type} task is not completed by workers`);
  apply(decision, task, result);
};

/** A result that came before its task: applied once the task is scheduled. */
export const applyBufferedResult = (decision: Decision, task: TaskRecord): void => {
  const index = decision
    .execution()
    .earlyResults.findIndex(
      (result) =>
        result.taskId === task.taskId ||
        (result.taskId === undefined && (result.referenceTaskName === task.referenceTaskName || result.referenceTaskName === task.ref)),
    );
  const result = decision.execution().earlyResults[index];
  const current = taskById(decision, task.taskId);
  if (result === undefined || current === undefined || isTerminalTask(current.status) || !acceptsResults(current)) return;
  decision.emit({ type: 'BufferedResultApplied', data: { index, taskId: task.taskId } });
  apply(decision, current, result);
};
