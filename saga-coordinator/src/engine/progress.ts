import { compensationProgress } from './compensation.ts';
import { expressionContext, placementOf, taskById } from './decision.ts';
import type { Decision } from './decision.ts';
import { indexDefinition } from './definitionIndex.ts';
import { endWorkflow } from './endWorkflow.ts';
import { isSuccessfulTask, isTerminalTask, isTerminalWorkflow } from './execution.ts';
import type { TaskRecord, TaskStatus } from './execution.ts';
import { failTask } from './failTask.ts';
import { resolveParameters } from './resolveParameters.ts';
import { enterList, scheduleTask } from './scheduleTask.ts';

/** A task reaches a status; a terminal one moves the execution on (unless it is paused: then it waits for resume). */
export const finishTask = (
  decision: Decision,
  taskId: string,
  status: TaskStatus,
  details: { readonly output?: Readonly<Record<string, unknown>>; readonly reason?: string; readonly workerId?: string },
): void => {
  decision.emit({
    type: 'TaskUpdated',
    data: {
      taskId,
      status,
      at: decision.at,
      ...(details.output === undefined ? {} : { outputData: details.output }),
      ...(details.reason === undefined ? {} : { reasonForIncompletion: details.reason }),
      ...(details.workerId === undefined ? {} : { workerId: details.workerId }),
    },
  });
  const task = taskById(decision, taskId);
  if (task === undefined || !isTerminalTask(status)) return;
  if (decision.execution().status === 'PAUSED') {
    decision.emit({ type: 'ContinuationDeferred', data: { taskId } });
    return;
  }
  if (isSuccessfulTask(status)) continueAfter(decision, task);
  else failTask(decision, task);
};

/** What follows a successful task: a compensation moves the compensation on, any other its node's next step. */
export const continueAfter = (decision: Decision, task: TaskRecord): void => {
  if (task.compensationOf !== undefined) {
    compensationProgress(decision);
    return;
  }
  if (isTerminalWorkflow(decision.execution().status)) return;
  // a step the compensation waited for completed: its undo comes next
  if (decision.execution().compensation !== undefined) return compensationProgress(decision);
  leaveNode(decision, task);
};

/** The next node after this one: its next sibling, else the end of its case, branch, loop body or workflow. */
export const leaveNode = (decision: Decision, task: TaskRecord): void => {
  const position = indexDefinition(decision.execution().definition).get(task.ref);
  if (position === undefined) {
    // a task a dynamic fork spawned is its branch on its own
    branchEnded(decision, task.branch[task.branch.length - 1]);
    return;
  }
  const next = position.list[position.index + 1];
  if (next !== undefined) {
    scheduleTask(decision, next, placementOf(task));
    return;
  }
  const container = position.container;
  switch (container.kind) {
    case 'root':
      endWorkflow(decision, 'COMPLETED', { viaDecider: true });
      return;
    case 'case': {
      const owner = [...decision.execution().tasks]
        .reverse()
        .find(
          (candidate) =>
            candidate.ref === container.owner.taskReferenceName && candidate.iteration === task.iteration && !candidate.retried,
        );
      if (owner !== undefined) leaveNode(decision, owner);
      return;
    }
    case 'branch':
      branchEnded(decision, task.branch[task.branch.length - 1]);
      return;
    case 'loop': {
      const loop = task.loopTaskId === undefined ? undefined : taskById(decision, task.loopTaskId);
      if (loop !== undefined) endIteration(decision, loop);
      return;
    }
    case 'compensation':
      return;
  }
};

export const branchEnded = (decision: Decision, branch: string | undefined): void => {
  if (branch !== undefined && !decision.execution().endedBranches.includes(branch))
    decision.emit({ type: 'ForkBranchEnded', data: { branch } });
  checkJoins(decision);
};

/** Every open JOIN whose joined tasks are all terminal (or whose branch ended without them) completes or fails. */
export const checkJoins = (decision: Decision): void => {
  const joins = decision.execution().tasks.filter((task) => task.type === 'JOIN' && task.status === 'IN_PROGRESS');
  for (const join of joins) {
    if (taskById(decision, join.taskId)?.status !== 'IN_PROGRESS') continue;
    // the latest attempt of each ref (a retried one is superseded by its new attempt), built once per JOIN
    const latest = new Map(decision.execution().tasks.map((task) => [task.referenceTaskName, task]));
    const endedBranches = new Set(decision.execution().endedBranches);
    const joined = (join.joinOn ?? []).map((ref) => ({
      ref,
      task: latest.get(ref),
      ended: endedBranches.has(join.joinBranches?.[ref] ?? ''),
    }));
    const done = joined.every(
      ({ task, ended }) =>
        (task !== undefined && isTerminalTask(task.status)) || (ended && (task === undefined || isTerminalTask(task.status))),
    );
    if (!done) continue;
    const failed = joined.find(({ task }) => task !== undefined && !isSuccessfulTask(task.status));
    if (failed !== undefined) {
      finishTask(decision, join.taskId, 'FAILED', { reason: `${failed.ref} did not complete` });
      continue;
    }
    const output = Object.fromEntries(
      joined
        .filter(({ task }) => task !== undefined && Object.keys(task.outputData).length > 0)
        .map(({ ref, task }) => [ref, task?.outputData]),
    );
    finishTask(decision, join.taskId, 'COMPLETED', { output });
  }
};

// Conductor's ScriptEvaluator.toBoolean: a boolean is itself, a number is > 0, anything else is false
const toBoolean = (value: unknown): boolean => (typeof value === 'boolean' ? value : typeof value === 'number' ? value > 0 : false);

/** The end of a loop body: record the iteration's outputs, then another iteration or the loop completes. */
export const endIteration = (decision: Decision, loop: TaskRecord): void => {
  const iteration = Number(loop.outputData['iteration'] ?? 1);
  const body = decision
    .execution()
    .tasks.filter((task) => task.loopTaskId === loop.taskId && task.iteration === iteration && !task.retried);
  const outputs = Object.fromEntries(body.map((task) => [task.ref, task.outputData]));
  const output = { ...loop.outputData, [String(iteration)]: outputs, iteration };
  const latest = Object.fromEntries(
    decision
      .execution()
      .tasks.filter((task) => task.loopTaskId === loop.taskId && !task.retried)
      .map((task) => [task.ref, task.outputData]),
  );
  const input = {
    ...resolveParameters(loop.workflowTask.inputParameters, expressionContext(decision, loop.taskId)),
    ...latest,
    [loop.ref]: output,
  };
  const items = loop.inputData['items'];
  const overItems = Array.isArray(items);
  const condition = loop.workflowTask.loopCondition;
  // over items: go on while items remain and the condition (if any) holds
  if (overItems && iteration >= items.length) {
    finishTask(decision, loop.taskId, 'COMPLETED', { output });
    return;
  }
  const evaluated =
    overItems && (condition === undefined || condition === '')
      ? { ok: true as const, value: true }
      : decision.scripts.evaluateJavaScript(condition ?? 'false', input);
  if (!evaluated.ok) {
    finishTask(decision, loop.taskId, 'FAILED_WITH_TERMINAL_ERROR', {
      output,
      reason: `Unable to evaluate condition ${loop.workflowTask.loopCondition ?? ''}, exception ${evaluated.error}`,
    });
    return;
  }
  if (!toBoolean(evaluated.value)) {
    finishTask(decision, loop.taskId, 'COMPLETED', { output });
    return;
  }
  decision.emit({
    type: 'TaskUpdated',
    data: {
      taskId: loop.taskId,
      status: 'IN_PROGRESS',
      at: decision.at,
      outputData: {
        ...output,
        iteration: iteration + 1,
        ...(overItems ? { loopItem: items[iteration] as unknown, loopIndex: iteration } : {}),
      },
    },
  });
  enterList(decision, loop.workflowTask.loopOver, { branch: loop.branch, iteration: iteration + 1, loopTaskId: loop.taskId });
};
