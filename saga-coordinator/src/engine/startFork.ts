import { placementOf } from './decision.ts';
import type { Decision } from './decision.ts';
import { indexDefinition } from './definitionIndex.ts';
import type { TaskRecord } from './execution.ts';
import { branchEnded, finishTask } from './progress.ts';
import { enterList, scheduleTask } from './scheduleTask.ts';
import { childLists } from './workflowDef.ts';
import type { WorkflowTask } from './workflowDef.ts';

const refsIn = (tasks: readonly WorkflowTask[], found: string[] = []): string[] => {
  for (const task of tasks) {
    found.push(task.taskReferenceName);
    for (const child of childLists(task)) refsIn(child.tasks, found);
  }
  return found;
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A fork: the FORK record completes, the first task of every branch is scheduled, then the JOIN after it, which
 * knows each joined ref's branch so a branch that ended without it (a SWITCH took another case) still counts.
 */
export const startFork = (decision: Decision, fork: TaskRecord): void => {
  const position = indexDefinition(decision.execution().definition).get(fork.ref);
  const join = position?.list[position.index + 1];
  const suffix = (ref: string): string => (fork.iteration > 0 ? `${ref}__${fork.iteration}` : ref);
  const branchKey = (index: number): string => `${fork.taskId}/${index}`;
  const branchPlacement = (index: number) => ({ ...placementOf(fork), branch: [...fork.branch, branchKey(index)] });
  if (fork.type === 'FORK_JOIN') {
    decision.emit({ type: 'TaskUpdated', data: { taskId: fork.taskId, status: 'COMPLETED', at: decision.at, started: true } });
    const branches = fork.workflowTask.forkTasks ?? [];
    const joinBranches: Record<string, string> = {};
    branches.forEach((branch, index) => {
      for (const ref of refsIn(branch)) joinBranches[suffix(ref)] = branchKey(index);
    });
    branches.forEach((branch, index) => {
      if (!enterList(decision, branch, branchPlacement(index))) branchEnded(decision, branchKey(index));
    });
    if (join !== undefined) scheduleTask(decision, join, placementOf(fork), { joinOn: (join.joinOn ?? []).map(suffix), joinBranches });
    return;
  }
  const tasks = fork.inputData[fork.workflowTask.dynamicForkTasksParam ?? ''];
  const inputs = fork.inputData[fork.workflowTask.dynamicForkTasksInputParamName ?? ''] ?? {};
  const refs = Array.isArray(tasks) ? tasks.map((task) => (isRecord(task) ? task['taskReferenceName'] : undefined)) : [];
  const known = new Set(decision.execution().tasks.map((task) => task.ref));
  const valid =
    Array.isArray(tasks) &&
    tasks.length > 0 &&
    isRecord(inputs) &&
    refs.every((ref) => typeof ref === 'string' && ref !== '' && !known.has(ref)) &&
    new Set(refs).size === refs.length;
  if (!valid) {
    finishTask(decision, fork.taskId, 'FAILED_WITH_TERMINAL_ERROR', {
      reason: 'Dynamic fork: the tasks must be a non-empty list of tasks with unique, new taskReferenceNames and the inputs a map',
    });
    return;
  }
  const forked = (tasks as WorkflowTask[]).map((task) => ({
    ...task,
    inputParameters: (inputs[task.taskReferenceName] as Record<string, unknown> | undefined) ?? task.inputParameters ?? {},
  }));
  decision.emit({
    type: 'TaskUpdated',
    data: {
      taskId: fork.taskId,
      status: 'COMPLETED',
      at: decision.at,
      started: true,
      inputData: { ...fork.inputData, forkedTasks: forked.map((task) => task.taskReferenceName), forkedTaskDefs: forked },
    },
  });
  const joinBranches: Record<string, string> = {};
  forked.forEach((task, index) => {
    joinBranches[suffix(task.taskReferenceName)] = branchKey(index);
  });
  forked.forEach((task, index) => scheduleTask(decision, task, branchPlacement(index)));
  if (join !== undefined)
    scheduleTask(decision, join, placementOf(fork), { joinOn: forked.map((task) => suffix(task.taskReferenceName)), joinBranches });
};
