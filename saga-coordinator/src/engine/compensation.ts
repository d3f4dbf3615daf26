import { taskById } from './decision.ts';
import type { Decision } from './decision.ts';
import { cancelOpenTasks, finalizeWorkflow } from './endWorkflow.ts';
import { isSuccessfulTask, isTerminalTask } from './execution.ts';
import type { CompensationStep, StartedExecution, TaskRecord } from './execution.ts';
import { scheduleTask } from './scheduleTask.ts';

/** The task that failed the execution, kept by CompensationStarted for the end that follows the compensation. */
const failedTaskOf = (decision: Decision): TaskRecord | undefined => {
  const failedTaskId = decision.execution().compensation?.failedTaskId;
  return failedTaskId === undefined ? undefined : taskById(decision, failedTaskId);
};

const forkOf = (branch: string): string => branch.slice(0, branch.lastIndexOf('/'));

/** Two tasks ran concurrently when their branch paths part in two branches of one fork. */
const concurrent = (a: TaskRecord, b: TaskRecord): boolean => {
  for (let index = 0; index < Math.min(a.branch.length, b.branch.length); index += 1) {
    const left = a.branch[index] as string;
    const right = b.branch[index] as string;
    if (left !== right) return forkOf(left) === forkOf(right);
  }
  return false;
};

/**
 * What to undo: every COMPLETED task that declares a `compensation`, each after the compensations of the tasks
 * that completed later in its own line (reverse completion order); parallel branches do not wait for each other.
 * Tasks still in flight (`awaited`) are the latest of their line: undone first, once they end with an effect.
 */
export const compensationPlan = (execution: StartedExecution, awaited: readonly TaskRecord[] = []): CompensationStep[] => {
  const done = execution.tasks
    .filter(
      (task) =>
        task.status === 'COMPLETED' && !task.retried && task.compensationOf === undefined && task.workflowTask.compensation !== undefined,
    )
    .sort((a, b) => (a.completedOrder ?? 0) - (b.completedOrder ?? 0));
  return [
    ...done.map((task) => ({
      taskId: task.taskId,
      after: [
        ...done.filter((later) => (later.completedOrder ?? 0) > (task.completedOrder ?? 0) && !concurrent(task, later)),
        ...awaited.filter((later) => !concurrent(task, later)),
      ].map((later) => later.taskId),
    })),
    ...awaited.map((task) => ({ taskId: task.taskId, after: [], awaited: true })),
  ];
};

/** An awaited step whose task ended without an effect to undo (its worker said it failed): nothing to compensate. */
const nothingToUndo = (execution: StartedExecution, step: CompensationStep): boolean => {
  if (step.awaited !== true) return false;
  const task = execution.tasks.find((candidate) => candidate.taskId === step.taskId);
  return task?.status === 'FAILED' || task?.status === 'FAILED_WITH_TERMINAL_ERROR';
};

/** An awaited step whose task is still with its worker: its compensation cannot start yet. */
const stillInFlight = (execution: StartedExecution, step: CompensationStep): boolean => {
  if (step.awaited !== true) return false;
  const task = execution.tasks.find((candidate) => candidate.taskId === step.taskId);
  return task !== undefined && !isTerminalTask(task.status);
};

const latestCompensation = (execution: StartedExecution, taskId: string): TaskRecord | undefined =>
  [...execution.tasks].reverse().find((task) => task.compensationOf === taskId);

/** Schedules each compensation whose predecessors are compensated; all compensated ends the execution. */
export const scheduleReadyCompensations = (decision: Decision): void => {
  const compensation = decision.execution().compensation;
  if (compensation === undefined || compensation.status !== 'COMPENSATING') return;
  let allDone = true;
  const undone = (execution: StartedExecution, taskId: string): boolean => {
    const step = compensation.plan.find((candidate) => candidate.taskId === taskId);
    if (step !== undefined && nothingToUndo(execution, step)) return true;
    const after = latestCompensation(execution, taskId);
    return after !== undefined && isSuccessfulTask(after.status);
  };
  for (const step of compensation.plan) {
    const execution = decision.execution();
    if (nothingToUndo(execution, step)) continue;
    const current = latestCompensation(execution, step.taskId);
    if (current !== undefined) {
      if (!isSuccessfulTask(current.status)) allDone = false;
      continue;
    }
    allDone = false;
    if (stillInFlight(execution, step)) continue;
    const ready = step.after.every((taskId) => undone(execution, taskId));
    const original = taskById(decision, step.taskId);
    if (ready && original?.workflowTask.compensation !== undefined)
      scheduleTask(decision, original.workflowTask.compensation, {
        branch: original.branch,
        iteration: original.iteration,
        ...(original.loopTaskId === undefined ? {} : { loopTaskId: original.loopTaskId }),
        compensationOf: original.taskId,
      });
  }
  const after = decision.execution().compensation;
  if (!allDone || after === undefined || after.status !== 'COMPENSATING') return;
  const settled = compensation.plan.every((step) => undone(decision.execution(), step.taskId));
  if (!settled) return;
  decision.emit({ type: 'CompensationEnded', data: { status: 'COMPENSATED', at: decision.at } });
  finalizeWorkflow(decision, after.cause, { viaDecider: after.viaDecider, reason: after.reason, failedTask: failedTaskOf(decision) });
};

export const compensationProgress = (decision: Decision): void => scheduleReadyCompensations(decision);

/** A compensation that failed for good: the others still open are canceled and the execution ends. */
export const compensationTaskFailed = (decision: Decision, task: TaskRecord): void => {
  const compensation = decision.execution().compensation;
  if (compensation === undefined || compensation.status !== 'COMPENSATING' || !isTerminalTask(task.status)) return;
  const reason = `${compensation.reason}; compensation ${task.referenceTaskName} failed: ${task.reasonForIncompletion ?? task.status}`;
  decision.emit({ type: 'CompensationEnded', data: { status: 'COMPENSATION_FAILED', at: decision.at } });
  cancelOpenTasks(decision, reason);
  finalizeWorkflow(decision, compensation.cause, { viaDecider: compensation.viaDecider, reason, failedTask: failedTaskOf(decision) });
};
