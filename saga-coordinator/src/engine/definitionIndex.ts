import { childLists, typeOf } from './workflowDef.ts';
import type { WorkflowDef, WorkflowTask } from './workflowDef.ts';

/** Where a node sits: its list, its index in it, and what holds that list. */
export type Position = {
  readonly task: WorkflowTask;
  readonly list: readonly WorkflowTask[];
  readonly index: number;
  readonly container:
    | { readonly kind: 'root' }
    | { readonly kind: 'case'; readonly owner: WorkflowTask }
    | { readonly kind: 'branch'; readonly owner: WorkflowTask; readonly branchIndex: number }
    | { readonly kind: 'loop'; readonly owner: WorkflowTask }
    | { readonly kind: 'compensation'; readonly owner: WorkflowTask };
};

export type DefinitionIndex = ReadonlyMap<string, Position>;

const cache = new WeakMap<WorkflowDef, DefinitionIndex>();

/** Every task ref of a definition with its position (computed once per definition object). */
export const indexDefinition = (definition: WorkflowDef): DefinitionIndex => {
  const cached = cache.get(definition);
  if (cached !== undefined) return cached;
  const index = new Map<string, Position>();
  const add = (list: readonly WorkflowTask[], container: Position['container']): void =>
    list.forEach((task, position) => {
      index.set(task.taskReferenceName, { task, list, index: position, container });
      const type = typeOf(task);
      if (type === 'SWITCH' || type === 'DECISION') for (const { tasks } of childLists(task)) add(tasks, { kind: 'case', owner: task });
      if (type === 'FORK_JOIN')
        (task.forkTasks ?? []).forEach((branch, branchIndex) => add(branch, { kind: 'branch', owner: task, branchIndex }));
      if (type === 'DO_WHILE') add(task.loopOver ?? [], { kind: 'loop', owner: task });
      if (task.compensation !== undefined) add([task.compensation], { kind: 'compensation', owner: task });
    });
  add(definition.tasks, { kind: 'root' });
  cache.set(definition, index);
  return index;
};
