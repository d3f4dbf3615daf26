import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptSandbox } from './createScriptSandbox.ts';
import type { ScriptSandbox } from './createScriptSandbox.ts';
import { validateTaskDef } from './validateTaskDef.ts';
import { isRefusedAsUnsupported, validateWorkflowDef } from './validateWorkflowDef.ts';
import type { WorkflowDef, WorkflowTask } from './workflowDef.ts';

let sandbox: ScriptSandbox;
beforeAll(async () => {
  sandbox = await createScriptSandbox();
});
afterAll(() => sandbox.close());

const simple = (ref: string, extra: Partial<WorkflowTask> = {}): WorkflowTask => ({
  name: `task_${ref}`,
  taskReferenceName: ref,
  type: 'SIMPLE',
  ...extra,
});
const def = (tasks: readonly WorkflowTask[], extra: Partial<WorkflowDef> = {}): WorkflowDef => ({
  name: 'wf',
  version: 1,
  schemaVersion: 2,
  tasks,
  ...extra,
});
const problems = (workflow: WorkflowDef) => {
  const check = validateWorkflowDef(workflow, { scripts: sandbox });
  return check.ok ? [] : check.validationErrors;
};

describe('a valid definition', () => {
  it('registers', () => {
    expect(validateWorkflowDef(def([simple('a'), simple('b', { inputParameters: { x: '${a.output.y}' } })]))).toEqual({ ok: true });
  });
});

describe('an invalid definition', () => {
  it('names an empty name and empty tasks', () => {
    expect(problems({ name: '', tasks: [] })).toEqual([
      { path: '$.name', message: 'WorkflowDef name cannot be null or empty', invalidValue: '' },
      { path: '$.tasks', message: 'WorkflowTask list cannot be empty', invalidValue: [] },
    ]);
  });

  it('names an unknown task type with its path', () => {
    expect(problems(def([simple('a'), { name: 'x', taskReferenceName: 'x', type: 'NOPE_TYPE' }]))).toEqual([
      { path: '$.tasks[1].type', message: 'unknown task type NOPE_TYPE', invalidValue: 'NOPE_TYPE' },
    ]);
  });

  it('names a duplicate taskReferenceName, also inside a fork', () => {
    const fork: WorkflowTask = { name: 'f', taskReferenceName: 'f', type: 'FORK_JOIN', forkTasks: [[simple('a')], [simple('b')]] };
    const join: WorkflowTask = { name: 'j', taskReferenceName: 'j', type: 'JOIN', joinOn: ['a', 'b'] };
    expect(problems(def([simple('a'), fork, join]))).toContainEqual({
      path: '$.tasks[1].forkTasks[0][0].taskReferenceName',
      message: 'taskReferenceName a is used more than once (first at $.tasks[0])',
      invalidValue: 'a',
    });
  });

  it('names an empty joinOn, a joinOn of an unknown ref, and a fork without a join', () => {
    const fork: WorkflowTask = { name: 'f', taskReferenceName: 'f', type: 'FORK_JOIN', forkTasks: [[simple('a')]] };
    expect(problems(def([fork, { name: 'j', taskReferenceName: 'j', type: 'JOIN', joinOn: [] }]))).toContainEqual(
      expect.objectContaining({ path: '$.tasks[1].joinOn' }),
    );
    expect(problems(def([fork, { name: 'j', taskReferenceName: 'j', type: 'JOIN', joinOn: ['zz'] }]))).toContainEqual({
      path: '$.tasks[1].joinOn[0]',
      message: 'joinOn names an unknown task reference zz',
      invalidValue: 'zz',
    });
    expect(problems(def([fork, simple('b')]))).toContainEqual(expect.objectContaining({ path: '$.tasks[0]', invalidValue: 'f' }));
  });

  it('takes a JOIN with an empty joinOn right after a FORK_JOIN_DYNAMIC: it waits for every branch the fork made', () => {
    const dynamicFork: WorkflowTask = {
      name: 'fan_out',
      taskReferenceName: 'fan_out',
      type: 'FORK_JOIN_DYNAMIC',
      dynamicForkTasksParam: 'dynamicTasks',
      dynamicForkTasksInputParamName: 'dynamicTasksInput',
      inputParameters: { dynamicTasks: '${workflow.input.tasks}', dynamicTasksInput: '${workflow.input.inputs}' },
    };
    const join: WorkflowTask = { name: 'j', taskReferenceName: 'j', type: 'JOIN', joinOn: [] };
    expect(problems(def([dynamicFork, join]))).toEqual([]);
    expect(problems(def([dynamicFork, { ...join, joinOn: undefined }]))).toEqual([]);
    // an empty joinOn elsewhere is still refused
    expect(problems(def([simple('a'), join]))).toContainEqual(expect.objectContaining({ path: '$.tasks[1].joinOn' }));
  });

  it('names an expression that reads an unknown task reference', () => {
    expect(problems(def([simple('a', { inputParameters: { x: '${ghost.output.y}' } })]))).toEqual([
      { path: '$.tasks[0].inputParameters', message: 'an expression reads an unknown task reference ghost', invalidValue: 'ghost' },
    ]);
  });

  it('refuses an optional TERMINATE and a bad terminationStatus', () => {
    const terminate: WorkflowTask = {
      name: 't',
      taskReferenceName: 't',
      type: 'TERMINATE',
      optional: true,
      inputParameters: { terminationStatus: 'DONE' },
    };
    expect(problems(def([terminate])).map((problem) => problem.path)).toEqual([
      '$.tasks[0].optional',
      '$.tasks[0].inputParameters.terminationStatus',
    ]);
  });

  it('checks each type for what it needs', () => {
    const cases: [WorkflowTask, string][] = [
      [
        { name: 's', taskReferenceName: 's', type: 'SWITCH', expression: 'x', decisionCases: { a: [simple('a')] } },
        '$.tasks[0].evaluatorType',
      ],
      [
        {
          name: 's',
          taskReferenceName: 's',
          type: 'SWITCH',
          evaluatorType: 'javascript',
          expression: 'if (',
          decisionCases: { a: [simple('a')] },
        },
        '$.tasks[0].expression',
      ],
      [{ name: 'd', taskReferenceName: 'd', type: 'DECISION', decisionCases: {} }, '$.tasks[0].decisionCases'],
      [{ name: 'e', taskReferenceName: 'e', type: 'EVENT' }, '$.tasks[0].sink'],
      [{ name: 'l', taskReferenceName: 'l', type: 'DO_WHILE', loopCondition: 'true', loopOver: [] }, '$.tasks[0].loopOver'],
      [
        { name: 'w', taskReferenceName: 'w', type: 'WAIT', inputParameters: { duration: '1 fortnight' } },
        '$.tasks[0].inputParameters.duration',
      ],
      [
        { name: 'w', taskReferenceName: 'w', type: 'WAIT', inputParameters: { duration: '1s', until: '2030-01-01' } },
        '$.tasks[0].inputParameters',
      ],
      [{ name: 'h', taskReferenceName: 'h', type: 'HTTP' }, '$.tasks[0].inputParameters'],
      [{ name: 'q', taskReferenceName: 'q', type: 'JSON_JQ_TRANSFORM' }, '$.tasks[0].inputParameters.queryExpression'],
      [{ name: 'u', taskReferenceName: 'u', type: 'SUB_WORKFLOW' }, '$.tasks[0].subWorkflowParam'],
      [{ name: 'y', taskReferenceName: 'y', type: 'DYNAMIC' }, '$.tasks[0].dynamicTaskNameParam'],
      [
        { name: 'i', taskReferenceName: 'i', type: 'INLINE', inputParameters: { expression: '1 +' } },
        '$.tasks[0].inputParameters.expression',
      ],
    ];
    for (const [task, path] of cases) expect(problems(def([task])).map((problem) => problem.path)).toContain(path);
  });
});

describe('a definition using what waggle does not run', () => {
  it('is refused with the reason, never half-run', () => {
    const python: WorkflowTask = {
      name: 'i',
      taskReferenceName: 'i',
      type: 'INLINE',
      inputParameters: { evaluatorType: 'python', expression: '1' },
    };
    const check = validateWorkflowDef(def([python, { name: 'x', taskReferenceName: 'x', type: 'EXCLUSIVE_JOIN' }]));
    expect(check.ok ? [] : check.validationErrors.map((problem) => problem.message)).toEqual([
      'not supported by waggle: the python evaluator; use javascript',
      'not supported by waggle: EXCLUSIVE_JOIN is not supported by waggle; use SWITCH inside a FORK_JOIN branch',
    ]);
    expect(isRefusedAsUnsupported(check)).toBe(true);
  });

  it('refuses a compensation of a control type', () => {
    expect(
      problems(def([simple('a', { compensation: { name: 'c', taskReferenceName: 'c', type: 'FORK_JOIN', forkTasks: [] } })])).map(
        (problem) => problem.path,
      ),
    ).toContain('$.tasks[0].compensation.type');
  });
});

describe('task definitions', () => {
  it("follow Conductor's TaskDef constraints", () => {
    expect(validateTaskDef({ name: 't', responseTimeoutSeconds: 600, timeoutSeconds: 60 })).toEqual([
      {
        path: '$.responseTimeoutSeconds',
        message: 'TaskDef: t responseTimeoutSeconds: 600 must be less than timeoutSeconds: 60',
        invalidValue: 600,
      },
    ]);
    expect(validateTaskDef({ name: 't', retryLogic: 'RANDOM' as 'FIXED', backoffScaleFactor: 0 }).map((problem) => problem.path)).toEqual([
      '$.retryLogic',
      '$.backoffScaleFactor',
    ]);
    expect(
      validateTaskDef({ name: 't', retryCount: 2, retryLogic: 'EXPONENTIAL_BACKOFF', responseTimeoutSeconds: 10, timeoutSeconds: 60 }),
    ).toEqual([]);
  });
});
