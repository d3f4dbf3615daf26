import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptSandbox } from './createScriptSandbox.ts';
import type { ScriptSandbox } from './createScriptSandbox.ts';
import { evolve } from './evolve.ts';
import { initialState } from './execution.ts';
import type { Execution } from './execution.ts';
import { createInMemoryEngine } from './inMemoryEngine.ts';
import { validateWorkflowDef } from './validateWorkflowDef.ts';
import type { WorkflowDef, WorkflowTask } from './workflowDef.ts';

let sandbox: ScriptSandbox;
beforeAll(async () => {
  sandbox = await createScriptSandbox();
});
afterAll(() => sandbox.close());

const simple = (ref: string, extra: Partial<WorkflowTask> = {}): WorkflowTask => ({
  name: ref,
  taskReferenceName: ref,
  type: 'SIMPLE',
  ...extra,
});

describe('a DO_WHILE whose body has a SWITCH and a WAIT (conductor-oss#895, Netflix/conductor PR #3072)', () => {
  const loop: WorkflowDef = {
    name: 'loop',
    tasks: [
      {
        name: 'loop',
        taskReferenceName: 'loop',
        type: 'DO_WHILE',
        inputParameters: { times: '${workflow.input.times}' },
        loopCondition: '$.loop.iteration < $.times',
        loopOver: [
          {
            name: 'pick',
            taskReferenceName: 'pick',
            type: 'SWITCH',
            evaluatorType: 'javascript',
            expression: '$.n % 2 == 0 ? "even" : "odd"',
            inputParameters: { n: '${loop.output.iteration}' },
            decisionCases: {
              even: [simple('even_step')],
              odd: [{ name: 'set', taskReferenceName: 'set', type: 'SET_VARIABLE', inputParameters: { last: 'odd' } }],
            },
          },
          { name: 'pause', taskReferenceName: 'pause', type: 'WAIT', inputParameters: { duration: '5s' } },
        ],
      },
      simple('after'),
    ],
  };

  it('counts iterations as the condition says, never advancing before the body finished', () => {
    const engine = createInMemoryEngine({ scripts: sandbox, worker: () => ({ status: 'COMPLETED' }) });
    engine.start('w', loop, { times: 3 });
    const iteration = () => engine.execution('w').tasks[0]?.outputData['iteration'];
    expect(iteration()).toBe(1);
    engine.advance(4_999);
    expect(iteration()).toBe(1);
    engine.advance(1);
    expect(iteration()).toBe(2);
    engine.advance(10_000);
    expect(engine.execution('w').status).toBe('COMPLETED');
    expect(iteration()).toBe(3);
    expect(engine.execution('w').tasks.map((task) => task.referenceTaskName)).toEqual([
      'loop',
      'pick__1',
      'set__1',
      'pause__1',
      'pick__2',
      'even_step__2',
      'pause__2',
      'pick__3',
      'set__3',
      'pause__3',
      'after',
    ]);
    expect(Object.keys(engine.execution('w').tasks[0]?.outputData ?? {}).sort()).toEqual(['1', '2', '3', 'iteration']);
  });

  it('a failing body task fails the loop and the workflow', () => {
    const engine = createInMemoryEngine({ scripts: sandbox, worker: () => ({ status: 'FAILED_WITH_TERMINAL_ERROR' }) });
    engine.start('w', loop, { times: 3 });
    engine.advance(20_000);
    expect(engine.execution('w').tasks.find((task) => task.ref === 'loop')?.status).toBe('FAILED');
    expect(engine.execution('w').status).toBe('FAILED');
  });
});

describe('a DO_WHILE over items', () => {
  const overItems = (loopCondition?: string): WorkflowDef => ({
    name: 'items',
    tasks: [
      {
        name: 'each',
        taskReferenceName: 'each',
        type: 'DO_WHILE',
        items: '${workflow.input.list}',
        ...(loopCondition === undefined ? {} : { loopCondition }),
        loopOver: [simple('visit', { inputParameters: { item: '${each.output.loopItem}', index: '${each.output.loopIndex}' } })],
      },
    ],
  });

  it('runs the body once per item with loopItem and loopIndex', () => {
    expect(validateWorkflowDef(overItems())).toEqual({ ok: true });
    const engine = createInMemoryEngine({ scripts: sandbox, worker: () => ({ status: 'COMPLETED' }) });
    engine.start('w', overItems(), { list: ['a', 'b', 'c'] });
    expect(engine.execution('w').status).toBe('COMPLETED');
    expect(
      engine
        .execution('w')
        .tasks.filter((task) => task.ref === 'visit')
        .map((task) => task.inputData),
    ).toEqual([
      { item: 'a', index: 0 },
      { item: 'b', index: 1 },
      { item: 'c', index: 2 },
    ]);
    expect(engine.execution('w').tasks[0]?.outputData['iteration']).toBe(3);
  });

  it('completes at once with iteration 0 on an empty list, and stops early when its condition says so', () => {
    const empty = createInMemoryEngine({ scripts: sandbox });
    empty.start('w', overItems(), { list: [] });
    expect(empty.execution('w')).toMatchObject({ status: 'COMPLETED', tasks: [{ status: 'COMPLETED', outputData: { iteration: 0 } }] });
    const early = createInMemoryEngine({ scripts: sandbox, worker: () => ({ status: 'COMPLETED' }) });
    early.start('w', overItems('$.each.loopIndex < 1'), { list: [1, 2, 3, 4] });
    expect(early.execution('w').tasks.filter((task) => task.ref === 'visit')).toHaveLength(2);
  });
});

describe('a DO_WHILE inside a DO_WHILE', () => {
  it('runs the inner loop fully in each outer iteration, and each loop counts its own iterations', () => {
    const nested: WorkflowDef = {
      name: 'nested',
      tasks: [
        {
          name: 'outer',
          taskReferenceName: 'outer',
          type: 'DO_WHILE',
          loopCondition: '$.outer.iteration < 3',
          loopOver: [
            {
              name: 'inner',
              taskReferenceName: 'inner',
              type: 'DO_WHILE',
              loopCondition: '$.inner.iteration < 2',
              loopOver: [simple('step')],
            },
            simple('after_inner'),
          ],
        },
        simple('done'),
      ],
    };
    expect(validateWorkflowDef(nested)).toEqual({ ok: true });
    const engine = createInMemoryEngine({ scripts: sandbox, worker: () => ({ status: 'COMPLETED' }) });
    engine.start('w', nested);
    expect(engine.execution('w').status).toBe('COMPLETED');
    const names = engine.execution('w').tasks.map((task) => task.referenceTaskName);
    expect(names.filter((name) => name.startsWith('step'))).toHaveLength(6);
    expect(names.filter((name) => name.startsWith('inner'))).toEqual(['inner__1', 'inner__2', 'inner__3']);
    expect(engine.execution('w').tasks[0]?.outputData).toMatchObject({ iteration: 3, '2': { inner: { iteration: 2 } } });
  });
});

describe('sub-workflows', () => {
  const child: WorkflowDef = { name: 'child', tasks: [simple('charge')] };
  const parent: WorkflowDef = {
    name: 'parent',
    tasks: [{ name: 'sub', taskReferenceName: 'sub', type: 'SUB_WORKFLOW', subWorkflowParam: { name: 'child' } }, simple('next')],
  };

  it("a child's failure fails the parent task and the parent; retrying the parent starts a new child attempt", () => {
    let fail = true;
    const engine = createInMemoryEngine({
      scripts: sandbox,
      definitions: [child],
      worker: () => (fail ? { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'card' } : { status: 'COMPLETED' }),
    });
    engine.start('w', parent);
    expect(engine.execution('w')).toMatchObject({
      status: 'FAILED',
      tasks: [{ status: 'FAILED', reasonForIncompletion: expect.stringContaining('failure reason') as unknown }],
    });
    fail = false;
    engine.send('w', { type: 'RetryWorkflow' });
    expect(engine.execution('w').status).toBe('COMPLETED');
    expect(engine.execution('w').tasks.map((task) => task.subWorkflowId ?? task.referenceTaskName)).toEqual(['w:1:sub', 'w:2:sub', 'next']);
  });

  describe('three levels (root → mid → leaf), the leaf failing at its second step', () => {
    const leaf: WorkflowDef = { name: 'leaf', tasks: [simple('debit'), simple('ship')] };
    const mid: WorkflowDef = {
      name: 'mid',
      tasks: [simple('reserve'), { name: 'l', taskReferenceName: 'l', type: 'SUB_WORKFLOW', subWorkflowParam: { name: 'leaf' } }],
    };
    const root: WorkflowDef = {
      name: 'root',
      tasks: [{ name: 'm', taskReferenceName: 'm', type: 'SUB_WORKFLOW', subWorkflowParam: { name: 'mid' } }, simple('notify')],
    };
    const failedTree = () => {
      const runs = new Map<string, number>();
      let shipFails = true;
      const engine = createInMemoryEngine({
        scripts: sandbox,
        definitions: [leaf, mid],
        worker: (task) => {
          runs.set(task.taskType, (runs.get(task.taskType) ?? 0) + 1);
          return task.taskType === 'ship' && shipFails
            ? { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'no truck' }
            : { status: 'COMPLETED' };
        },
      });
      engine.start('w', root);
      const midId = engine.execution('w').tasks[0]?.subWorkflowId ?? '';
      const leafId = engine.execution(midId).tasks.find((task) => task.referenceTaskName === 'l')?.subWorkflowId ?? '';
      for (const id of ['w', midId, leafId]) expect(engine.execution(id).status, id).toBe('FAILED');
      return { engine, runs, midId, leafId, heal: () => (shipFails = false) };
    };

    it('retrying the root with resumeSubworkflowTasks resumes the leaf from its failed step: nothing completed runs again', () => {
      const { engine, runs, midId, leafId, heal } = failedTree();
      heal();
      engine.send('w', { type: 'RetryWorkflow', resumeSubworkflowTasks: true });
      for (const id of ['w', midId, leafId]) expect(engine.execution(id).status, id).toBe('COMPLETED');
      expect(Object.fromEntries(runs)).toEqual({ reserve: 1, debit: 1, ship: 2, notify: 1 });
      // the same children: no new sub-workflow attempt at any level
      expect(engine.execution('w').tasks.map((task) => `${task.referenceTaskName}:${task.status}`)).toEqual([
        'm:COMPLETED',
        'notify:COMPLETED',
      ]);
      expect(engine.execution(leafId).tasks.map((task) => `${task.referenceTaskName}:${task.status}`)).toEqual([
        'debit:COMPLETED',
        'ship:FAILED_WITH_TERMINAL_ERROR',
        'ship:COMPLETED',
      ]);
    });

    it('retrying the leaf resumes its parent and grandparent (Netflix/conductor#2338: the ancestors stayed FAILED)', () => {
      const { engine, runs, midId, leafId, heal } = failedTree();
      heal();
      engine.send(leafId, { type: 'RetryWorkflow' });
      for (const id of ['w', midId, leafId]) expect(engine.execution(id).status, id).toBe('COMPLETED');
      expect(Object.fromEntries(runs)).toEqual({ reserve: 1, debit: 1, ship: 2, notify: 1 });
    });

    it('rerunning the leaf from its failed step resumes the ancestors too', () => {
      const { engine, midId, leafId, heal } = failedTree();
      heal();
      const ship = engine.execution(leafId).tasks.find((task) => task.referenceTaskName === 'ship');
      engine.send(leafId, { type: 'RerunWorkflow', reRunFromTaskId: ship?.taskId ?? '' });
      for (const id of ['w', midId, leafId]) expect(engine.execution(id).status, id).toBe('COMPLETED');
    });

    it("without resumeSubworkflowTasks (Conductor's default), the root's retry starts a new mid child, which runs everything again", () => {
      const { engine, runs, heal } = failedTree();
      heal();
      engine.send('w', { type: 'RetryWorkflow' });
      expect(engine.execution('w').status).toBe('COMPLETED');
      expect(Object.fromEntries(runs)).toEqual({ reserve: 2, debit: 2, ship: 2, notify: 1 });
    });

    it('a child that cannot be retried (it was compensated) answers its parent with its end: the ancestors fail again, nothing waits forever', () => {
      const compensated: WorkflowDef = {
        name: 'leaf',
        tasks: [simple('debit', { compensation: { name: 'refund', taskReferenceName: 'refund', type: 'SIMPLE' } }), simple('ship')],
      };
      const engine = createInMemoryEngine({
        scripts: sandbox,
        definitions: [compensated, mid],
        worker: (task) =>
          task.taskType === 'ship' ? { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'no truck' } : { status: 'COMPLETED' },
      });
      engine.start('w', root);
      const midId = engine.execution('w').tasks[0]?.subWorkflowId ?? '';
      const leafId = engine.execution(midId).tasks.find((task) => task.referenceTaskName === 'l')?.subWorkflowId ?? '';
      expect(engine.execution(leafId)).toMatchObject({ status: 'FAILED', compensation: { status: 'COMPENSATED' } });
      engine.send('w', { type: 'RetryWorkflow', resumeSubworkflowTasks: true });
      for (const id of ['w', midId]) expect(engine.execution(id).status, id).toBe('FAILED');
      expect(engine.execution(leafId).tasks.filter((task) => task.referenceTaskName === 'ship')).toHaveLength(1);
      expect(() => engine.send(leafId, { type: 'RetryWorkflow' })).toThrow('This execution was compensated; use restart or rerun');
    });
  });

  it('runs an inline child definition, no registration needed', () => {
    const engine = createInMemoryEngine({ scripts: sandbox, worker: () => ({ status: 'COMPLETED', outputData: { n: 1 } }) });
    engine.start('w', {
      name: 'p',
      tasks: [{ name: 'sub', taskReferenceName: 'sub', type: 'SUB_WORKFLOW', subWorkflowParam: { workflowDefinition: child } }],
    });
    expect(engine.execution('w')).toMatchObject({ status: 'COMPLETED', output: { n: 1, subWorkflowId: 'w:1:sub' } });
  });

  it('terminating the parent terminates the running child', () => {
    const engine = createInMemoryEngine({ scripts: sandbox, definitions: [child], worker: () => undefined });
    engine.start('w', parent);
    engine.send('w', { type: 'TerminateWorkflow', reason: 'stop' });
    engine.settle({ advanceMs: 0 });
    expect(engine.execution('w:1:sub').status).toBe('TERMINATED');
  });
});

describe('a TERMINATE with COMPLETED in one fork branch', () => {
  it('ends the workflow COMPLETED with its output; nothing after it is scheduled, not even the other branch', () => {
    const engine = createInMemoryEngine({ scripts: sandbox, worker: () => undefined });
    engine.start('w', {
      name: 't',
      tasks: [
        {
          name: 'f',
          taskReferenceName: 'f',
          type: 'FORK_JOIN',
          forkTasks: [
            [
              {
                name: 'end',
                taskReferenceName: 'end',
                type: 'TERMINATE',
                inputParameters: { terminationStatus: 'COMPLETED', workflowOutput: { done: true } },
              },
            ],
            [simple('slow')],
          ],
        },
        { name: 'j', taskReferenceName: 'j', type: 'JOIN', joinOn: ['end', 'slow'] },
      ],
    });
    expect(engine.execution('w')).toMatchObject({ status: 'COMPLETED', output: { done: true } });
    expect(engine.execution('w').tasks.map((task) => `${task.referenceTaskName}:${task.status}`)).toEqual(['f:COMPLETED', 'end:COMPLETED']);
  });
});

describe('an execution', () => {
  it('is its history: folding its events gives the same state', () => {
    const engine = createInMemoryEngine({ scripts: sandbox, worker: () => ({ status: 'COMPLETED', outputData: { ok: 1 } }) });
    engine.start('w', {
      name: 'x',
      tasks: [simple('a'), { name: 'v', taskReferenceName: 'v', type: 'SET_VARIABLE', inputParameters: { k: '${a.output.ok}' } }],
    });
    expect(engine.history('w').reduce<Execution>(evolve, initialState())).toEqual(engine.execution('w'));
    expect(engine.execution('w').variables).toEqual({ k: 1 });
  });
});
