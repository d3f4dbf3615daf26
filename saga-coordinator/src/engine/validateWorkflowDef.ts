import type { ScriptEvaluator } from './scriptEvaluator.ts';
import { validateTask } from './validateTask.ts';
import { unsupported } from './validationError.ts';
import type { ValidationProblem } from './validationError.ts';
import { childLists, typeOf } from './workflowDef.ts';
import type { TaskDef, WorkflowDef, WorkflowTask } from './workflowDef.ts';

export type DefinitionCheck = { readonly ok: true } | { readonly ok: false; readonly validationErrors: readonly ValidationProblem[] };

type Visited = { readonly task: WorkflowTask; readonly path: string };

const referencedRefs = (value: unknown, found: Set<string>): Set<string> => {
  if (typeof value === 'string') {
    for (const match of value.matchAll(/\$\{\s*([A-Za-z0-9_-]+)/g)) if (match[1] !== undefined) found.add(match[1]);
  } else if (Array.isArray(value)) {
    for (const item of value) referencedRefs(item, found);
  } else if (typeof value === 'object' && value !== null) {
    for (const item of Object.values(value)) referencedRefs(item, found);
  }
  return found;
};

const builtInNames = new Set(['workflow', 'CPEWF_TASK_ID']);

/**
 * A workflow definition checked as it is registered: every problem with its JSON path, in Conductor's
 * `validationErrors` shape; what waggle does not run is refused with the reason.
 */
export const validateWorkflowDef = (
  def: WorkflowDef,
  options: { readonly taskDefs?: readonly TaskDef[]; readonly scripts?: Pick<ScriptEvaluator, 'checkJavaScript'> } = {},
): DefinitionCheck => {
  const problems: ValidationProblem[] = [];
  const taskDefs = new Map((options.taskDefs ?? []).map((taskDef) => [taskDef.name, taskDef]));
  if (typeof def !== 'object' || def === null)
    return { ok: false, validationErrors: [{ path: '$', message: 'WorkflowDef must be an object' }] };
  if (typeof def.name !== 'string' || def.name.trim() === '')
    problems.push({ path: '$.name', message: 'WorkflowDef name cannot be null or empty', invalidValue: def.name });
  if (def.version !== undefined && (!Number.isInteger(def.version) || def.version < 1))
    problems.push({ path: '$.version', message: 'version must be a positive integer', invalidValue: def.version });
  if (def.schemaVersion !== undefined && def.schemaVersion !== 2)
    problems.push({ path: '$.schemaVersion', message: 'workflowDef schemaVersion: 2 is only supported', invalidValue: def.schemaVersion });
  if (def.timeoutPolicy !== undefined && !['TIME_OUT_WF', 'ALERT_ONLY'].includes(def.timeoutPolicy))
    problems.push({ path: '$.timeoutPolicy', message: 'timeoutPolicy must be TIME_OUT_WF or ALERT_ONLY', invalidValue: def.timeoutPolicy });
  if (!Array.isArray(def.tasks) || def.tasks.length === 0) {
    problems.push({ path: '$.tasks', message: 'WorkflowTask list cannot be empty', invalidValue: def.tasks });
    return { ok: false, validationErrors: problems };
  }

  const visited: Visited[] = [];
  const hasDynamic = { value: false };
  const walk = (tasks: readonly WorkflowTask[], path: string, insideLoop: boolean): void => {
    tasks.forEach((task, index) => visit(tasks, index, `${path}[${index}]`, insideLoop));
  };
  const visit = (tasks: readonly WorkflowTask[], index: number, here: string, insideLoop: boolean): void => {
    const task = tasks[index] as WorkflowTask;
    {
      if (typeof task !== 'object' || task === null) {
        problems.push({ path: here, message: 'WorkflowTask must be an object', invalidValue: task });
        return;
      }
      visited.push({ task, path: here });
      problems.push(
        ...validateTask(task, here, {
          taskDefs,
          insideLoop,
          followsDynamicFork: index > 0 && typeOf(tasks[index - 1] as WorkflowTask) === 'FORK_JOIN_DYNAMIC',
          ...(options.scripts === undefined ? {} : { scripts: options.scripts }),
        }),
      );
      const type = typeOf(task);
      if (type === 'FORK_JOIN_DYNAMIC' || type === 'DYNAMIC') hasDynamic.value = true;
      if (
        (type === 'FORK_JOIN' || type === 'FORK_JOIN_DYNAMIC') &&
        typeOf(tasks[index + 1] ?? { name: '', taskReferenceName: '', type: 'END' }) !== 'JOIN'
      )
        problems.push({
          path: here,
          message: 'Fork task definition is not followed by a join task.  Check the blueprint',
          invalidValue: task.taskReferenceName,
        });
      if (type === 'FORK_JOIN' && tasks[index + 1] !== undefined) {
        const branchRefs = new Set<string>();
        const collect = (list: readonly WorkflowTask[]): void =>
          list.forEach((inner) => {
            branchRefs.add(inner.taskReferenceName);
            for (const child of childLists(inner)) collect(child.tasks);
          });
        for (const branch of task.forkTasks ?? []) collect(branch);
        (tasks[index + 1]?.joinOn ?? []).forEach((ref, refIndex) => {
          if (!branchRefs.has(ref))
            problems.push({
              path: `${here.replace(/\[\d+\]$/, '')}[${index + 1}].joinOn[${refIndex}]`,
              message: `joinOn names ${ref}, which is not a task of the fork before it`,
              invalidValue: ref,
            });
        });
      }
      for (const child of childLists(task)) walk(child.tasks, `${here}${child.path}`, insideLoop || type === 'DO_WHILE');
      if (task.compensation !== undefined) visit([task.compensation], 0, `${here}.compensation`, insideLoop);
    }
  };
  walk(def.tasks, '$.tasks', false);
  const seen = new Map<string, string>();
  const known = new Set(visited.map(({ task }) => task.taskReferenceName));
  for (const { task, path } of visited) {
    const ref = task.taskReferenceName;
    const fixedPath = path;
    const first = seen.get(ref);
    if (first !== undefined)
      problems.push({
        path: `${fixedPath}.taskReferenceName`,
        message: `taskReferenceName ${ref} is used more than once (first at ${first})`,
        invalidValue: ref,
      });
    else seen.set(ref, fixedPath);
    if (typeOf(task) === 'JOIN')
      (task.joinOn ?? []).forEach((joined, index) => {
        if (!known.has(joined))
          problems.push({
            path: `${fixedPath}.joinOn[${index}]`,
            message: `joinOn names an unknown task reference ${joined}`,
            invalidValue: joined,
          });
      });
    if (!hasDynamic.value)
      for (const name of referencedRefs([task.inputParameters ?? {}, task.subWorkflowParam ?? {}], new Set()))
        if (!builtInNames.has(name) && !known.has(name))
          problems.push({
            path: `${fixedPath}.inputParameters`,
            message: `an expression reads an unknown task reference ${name}`,
            invalidValue: name,
          });
  }
  if (!hasDynamic.value)
    for (const name of referencedRefs(def.outputParameters ?? {}, new Set()))
      if (!builtInNames.has(name) && !known.has(name))
        problems.push({ path: '$.outputParameters', message: `an expression reads an unknown task reference ${name}`, invalidValue: name });
  const deduplicated = problems.filter(
    (problem, index) => problems.findIndex((other) => other.path === problem.path && other.message === problem.message) === index,
  );
  return deduplicated.length === 0 ? { ok: true } : { ok: false, validationErrors: deduplicated };
};

/** Whether a check refused only what waggle does not support (the definition itself is valid Conductor JSON). */
export const isRefusedAsUnsupported = (check: DefinitionCheck): boolean =>
  !check.ok && check.validationErrors.every((problem) => problem.message.startsWith(unsupported));
