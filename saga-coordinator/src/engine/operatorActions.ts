import { RuleViolationError } from '@waggle/errors';
import { placementOf, scheduleTimer, taskById } from './decision.ts';
import type { Decision } from './decision.ts';
import { cancelOpenTasks, endWorkflow, finalizeWorkflow, notifyParentOfEnd } from './endWorkflow.ts';
import { isSuccessfulTask, isTerminalWorkflow } from './execution.ts';
import { failTask } from './failTask.ts';
import { checkJoins, continueAfter, endIteration } from './progress.ts';
import { enterList, scheduleTask } from './scheduleTask.ts';
import { startTask } from './startTask.ts';
import type { TaskRecord } from './execution.ts';
import type { TaskDef, WorkflowDef } from './workflowDef.ts';

const armWorkflowTimeout = (decision: Decision): void => {
  const limit = decision.execution().definition.timeoutSeconds ?? 0;
  if (limit > 0) scheduleTimer(decision, { kind: 'workflowTimeout' }, decision.at + limit * 1000);
};

export const startWorkflow = (decision: Decision): void => {
  armWorkflowTimeout(decision);
  if (!enterList(decision, decision.execution().definition.tasks, { branch: [], iteration: 0 }))
    endWorkflow(decision, 'COMPLETED', { viaDecider: true });
};

export const pauseWorkflow = (decision: Decision): void => {
  const { status, workflowId } = decision.execution();
  if (status === 'PAUSED') return;
  if (status !== 'RUNNING') throw new RuleViolationError(`Workflow ${workflowId} has ended, status cannot be updated.`);
  decision.emit({ type: 'WorkflowPaused', data: { at: decision.at } });
};

/** Resume: what finished while paused moves on now. */
export const resumeWorkflow = (decision: Decision): void => {
  const { status, workflowId, deferred } = decision.execution();
  if (status !== 'PAUSED')
    throw new RuleViolationError(`The workflow ${workflowId} is not PAUSED so cannot resume. Current status is ${status}`);
  decision.emit({ type: 'WorkflowResumed', data: { at: decision.at } });
  armWorkflowTimeout(decision);
  for (const taskId of deferred) {
    const task = taskById(decision, taskId);
    if (task === undefined || isTerminalWorkflow(decision.execution().status)) continue;
    if (isSuccessfulTask(task.status)) continueAfter(decision, task);
    else if (task.status === 'SCHEDULED') startTask(decision, task, { delaySeconds: 0 });
    else if (task.status !== 'IN_PROGRESS') failTask(decision, task);
  }
};

/** Operator terminate: no failureWorkflow (as Conductor); completed steps are compensated when asked. */
export const terminateWorkflow = (decision: Decision, reason: string | undefined, compensate: boolean): void => {
  const execution = decision.execution();
  if (execution.status === 'COMPLETED') throw new RuleViolationError('Cannot terminate a COMPLETED workflow.');
  if (execution.status === 'TERMINATED') return;
  if (execution.compensation?.status === 'COMPENSATING') {
    // asked again to compensate (a terminate retried after a timeout): it is doing just that
    if (compensate) return;
    // asked to end without compensating: the compensation stops where it is
    cancelOpenTasks(decision, reason ?? 'terminated');
    decision.emit({ type: 'CompensationEnded', data: { status: 'COMPENSATION_FAILED', at: decision.at } });
    finalizeWorkflow(decision, 'TERMINATED', { viaDecider: false, reason: reason ?? 'terminated during compensation' });
    return;
  }
  if (isTerminalWorkflow(execution.status)) {
    finalizeWorkflow(decision, 'TERMINATED', {
      viaDecider: false,
      reason: reason ?? execution.reasonForIncompletion,
      output: execution.output,
    });
    return;
  }
  endWorkflow(decision, 'TERMINATED', { viaDecider: false, reason, compensate });
};

/**
 * Remove (Conductor's DELETE /api/workflow/{id}/remove): an ended execution leaves the API and search. Its history
 * stays in the event store, as Conductor's archiveWorkflow=true keeps it. A running one is refused unless
 * `terminate` (terminate-remove) ends it first.
 */
export const removeWorkflow = (decision: Decision, terminate: boolean, reason: string | undefined): void => {
  const { status, workflowId, compensation } = decision.execution();
  if (!isTerminalWorkflow(status) || compensation?.status === 'COMPENSATING') {
    if (!terminate)
      throw new RuleViolationError(`Workflow ${workflowId} is ${status}: terminate it before removing it, or use terminate-remove`);
    terminateWorkflow(decision, reason, false);
  }
  decision.emit({ type: 'WorkflowRemoved', data: { at: decision.at } });
};

const requireEnded = (decision: Decision): void => {
  const { status, workflowId } = decision.execution();
  if (!isTerminalWorkflow(status)) throw new RuleViolationError(`Workflow: ${workflowId} is not in terminal state, unable to restart.`);
};

const retryableStatuses = ['FAILED', 'FAILED_WITH_TERMINAL_ERROR', 'TIMED_OUT', 'CANCELED'];

/** Each last unsuccessful forward attempt (per reference name). */
const retryableTasks = (decision: Decision): TaskRecord[] => {
  const tasks = decision.execution().tasks.filter((task) => task.compensationOf === undefined);
  const latest = new Map(tasks.map((task) => [task.referenceTaskName, task]));
  return [...latest.values()].filter((task) => retryableStatuses.includes(task.status));
};

/** A child runs again: its parent hears it, so the parent resumes too, and so on up. */
const notifyParentRetried = (decision: Decision): void => {
  const { parentWorkflowId, parentWorkflowTaskId, workflowId } = decision.execution();
  if (parentWorkflowId !== undefined && parentWorkflowTaskId !== undefined)
    decision.command({ type: 'NotifyParentRetried', parentWorkflowId, parentWorkflowTaskId, workflowId });
};

/**
 * The execution runs again from its failed steps: canceled JOINs and loops open again; a failed SUB_WORKFLOW task
 * with `resume` waits for its child again, which is told to retry from its own failed step (`waitingFor`: one
 * already running again); every other failed task gets a new attempt.
 */
const reopen = (decision: Decision, tasks: readonly TaskRecord[], resume: boolean, waitingFor?: string): void => {
  decision.emit({ type: 'WorkflowRetried', data: { at: decision.at } });
  armWorkflowTimeout(decision);
  for (const task of tasks) {
    if (task.type === 'JOIN' || task.type === 'DO_WHILE') {
      decision.emit({ type: 'TaskUpdated', data: { taskId: task.taskId, status: 'IN_PROGRESS', at: decision.at } });
      continue;
    }
    if (task.type === 'SUB_WORKFLOW' && task.subWorkflowId !== undefined && (resume || task.taskId === waitingFor)) {
      decision.emit({ type: 'TaskUpdated', data: { taskId: task.taskId, status: 'IN_PROGRESS', at: decision.at } });
      if (task.taskId !== waitingFor) decision.command({ type: 'RetryWorkflow', workflowId: task.subWorkflowId });
      continue;
    }
    scheduleTask(decision, task.workflowTask, placementOf(task), { inputData: task.inputData, retryOf: task });
  }
  checkJoins(decision);
};

/**
 * Retry: each last unsuccessful attempt gets a new one (with `resumeSubworkflowTasks`, a failed child is retried
 * from its own failed step instead of started anew); canceled JOINs and loops open again; a parent resumes with it.
 * Asked by a parent (`fromParent`), a child that cannot be retried answers with its end, so the parent's task fails
 * again instead of waiting forever.
 */
export const retryWorkflow = (decision: Decision, options: { resume?: boolean; fromParent?: boolean } = {}): void => {
  const execution = decision.execution();
  const refuse = (message: string): void => {
    if (options.fromParent !== true) throw new RuleViolationError(message);
    const { status, output, reasonForIncompletion } = execution;
    if (isTerminalWorkflow(status))
      notifyParentOfEnd(decision, status as 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'TERMINATED', output, reasonForIncompletion);
  };
  if (!isTerminalWorkflow(execution.status)) {
    // a parent's resume of a child already running again (the operator retried both): nothing to do
    if (options.fromParent !== true) throw new RuleViolationError(`Workflow is still running.  status=${execution.status}`);
    return;
  }
  if (execution.status === 'COMPLETED') return refuse('A COMPLETED workflow cannot be retried; use restart or rerun');
  if (execution.compensation !== undefined) return refuse('This execution was compensated; use restart or rerun');
  const retryable = retryableTasks(decision);
  if (retryable.length === 0)
    return refuse('There are no retryable tasks! Use restart if you want to attempt entire workflow execution again.');
  reopen(decision, retryable, options.resume === true || options.fromParent === true);
  if (options.fromParent !== true) notifyParentRetried(decision);
};

/**
 * A child of this execution runs again (retried or rerun): its failed SUB_WORKFLOW task waits for it again and the
 * execution resumes from its failed steps, then tells its own parent. Nothing when the task already moved on (a
 * new attempt, or it waits already) or when the execution was compensated meanwhile.
 */
export const resumeFromChild = (decision: Decision, taskId: string, subWorkflowId: string): void => {
  const execution = decision.execution();
  const task = taskById(decision, taskId);
  if (task === undefined || task.subWorkflowId !== subWorkflowId || task.retried || !retryableStatuses.includes(task.status)) return;
  if (!isTerminalWorkflow(execution.status) || execution.compensation !== undefined) return;
  reopen(decision, retryableTasks(decision), false, taskId);
  notifyParentRetried(decision);
};

/** Rerun from a task: later tasks are dropped and the task runs again with (optionally) new input. */
export const rerunWorkflow = (
  decision: Decision,
  fromTaskId: string | undefined,
  taskInput: Readonly<Record<string, unknown>> | undefined,
  workflowInput: Readonly<Record<string, unknown>> | undefined,
): void => {
  requireEnded(decision);
  if (fromTaskId === undefined) {
    restartWorkflow(decision, undefined, undefined, workflowInput);
    notifyParentRetried(decision);
    return;
  }
  const from = taskById(decision, fromTaskId);
  if (from === undefined) throw new RuleViolationError(`Task ${fromTaskId} not found`);
  decision.emit({
    type: 'WorkflowRerun',
    data: { at: decision.at, fromSeq: from.seq, ...(workflowInput === undefined ? {} : { input: workflowInput }) },
  });
  armWorkflowTimeout(decision);
  for (const task of decision
    .execution()
    .tasks.filter((candidate) => (candidate.type === 'JOIN' || candidate.type === 'DO_WHILE') && !isSuccessfulTask(candidate.status)))
    decision.emit({ type: 'TaskUpdated', data: { taskId: task.taskId, status: 'IN_PROGRESS', at: decision.at } });
  scheduleTask(decision, from.workflowTask, placementOf(from), { inputData: { ...from.inputData, ...(taskInput ?? {}) } });
  const loop = from.loopTaskId === undefined ? undefined : taskById(decision, from.loopTaskId);
  if (loop !== undefined && loop.status !== 'IN_PROGRESS') endIteration(decision, loop);
  notifyParentRetried(decision);
};

/** Restart: the same id from the first task, with this definition (the latest one when the operator asked so). */
export const restartWorkflow = (
  decision: Decision,
  definition: WorkflowDef | undefined,
  taskDefs: readonly TaskDef[] | undefined,
  input?: Readonly<Record<string, unknown>>,
): void => {
  requireEnded(decision);
  const execution = decision.execution();
  if (execution.status === 'COMPLETED' && execution.definition.restartable === false)
    throw new RuleViolationError(`${execution.workflowId} is non-restartable`);
  decision.emit({
    type: 'WorkflowRestarted',
    data: {
      at: decision.at,
      definition: definition ?? execution.definition,
      taskDefs: taskDefs === undefined ? execution.taskDefs : Object.fromEntries(taskDefs.map((taskDef) => [taskDef.name, taskDef])),
    },
  });
  if (input !== undefined) decision.emit({ type: 'WorkflowRerun', data: { at: decision.at, fromSeq: 0, input } });
  startWorkflow(decision);
};

/** Skip a task not yet scheduled: when its turn comes it is SKIPPED with the given output. */
export const skipTask = (
  decision: Decision,
  referenceTaskName: string,
  taskInput: Record<string, unknown>,
  taskOutput: Record<string, unknown>,
): void => {
  const execution = decision.execution();
  if (execution.status !== 'RUNNING')
    throw new RuleViolationError(`The workflow ${execution.workflowId} is not RUNNING so a task cannot be skipped`);
  if (execution.tasks.some((task) => task.ref === referenceTaskName || task.referenceTaskName === referenceTaskName))
    throw new RuleViolationError(`The task ${referenceTaskName} is already scheduled`);
  decision.emit({ type: 'TaskSkipRequested', data: { referenceTaskName, taskInput, taskOutput } });
};
