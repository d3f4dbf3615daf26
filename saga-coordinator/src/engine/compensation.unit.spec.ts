import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptSandbox } from './createScriptSandbox.ts';
import type { ScriptSandbox } from './createScriptSandbox.ts';
import { createInMemoryEngine } from './inMemoryEngine.ts';
import type { SimulatedWorker } from './inMemoryEngine.ts';
import type { TaskDef, WorkflowDef, WorkflowTask } from './workflowDef.ts';

let sandbox: ScriptSandbox;
beforeAll(async () => {
  sandbox = await createScriptSandbox();
});
afterAll(() => sandbox.close());

const step = (ref: string, undo?: string): WorkflowTask => ({
  name: ref,
  taskReferenceName: ref,
  type: 'SIMPLE',
  ...(undo === undefined
    ? {}
    : { compensation: { name: undo, taskReferenceName: undo, type: 'SIMPLE', inputParameters: { of: `\${${ref}.output.id}` } } }),
});
const run = (definition: WorkflowDef, worker: SimulatedWorker, taskDefs: TaskDef[] = [], definitions: WorkflowDef[] = []) => {
  const engine = createInMemoryEngine({ scripts: sandbox, worker, taskDefs, definitions });
  engine.start('w', definition);
  return engine;
};
type Engine = ReturnType<typeof run>;
const open = (engine: Engine) =>
  engine
    .execution('w')
    .tasks.filter((task) => task.compensationOf !== undefined && task.status === 'IN_PROGRESS')
    .map((task) => task.referenceTaskName);
const complete = (engine: Engine, ref: string) => {
  const task = [...engine.execution('w').tasks].reverse().find((candidate) => candidate.referenceTaskName === ref);
  engine.send('w', { type: 'ReportTaskResult', result: { taskId: task?.taskId ?? '', status: 'COMPLETED' } });
};
// workers that answer at once, except the compensations (left open so the test controls their order) and `fail`
const answering: SimulatedWorker = (task) =>
  task.taskType.startsWith('undo_')
    ? undefined
    : task.taskType === 'fail'
      ? { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'declined' }
      : { status: 'COMPLETED', outputData: { id: `${task.taskType}-1` } };

describe('an execution that fails after completed steps', () => {
  it('compensates them in reverse completion order, one after the other, then ends FAILED and COMPENSATED', () => {
    const engine = run(
      { name: 'saga', tasks: [step('hold', 'undo_hold'), step('authorize', 'undo_authorize'), step('note'), step('fail')] },
      answering,
    );
    expect(engine.execution('w').compensation?.status).toBe('COMPENSATING');
    expect(open(engine)).toEqual(['undo_authorize']);
    expect(engine.execution('w').tasks.find((task) => task.ref === 'undo_authorize')?.inputData).toEqual({ of: 'authorize-1' });
    complete(engine, 'undo_authorize');
    expect(open(engine)).toEqual(['undo_hold']);
    complete(engine, 'undo_hold');
    expect(engine.execution('w')).toMatchObject({
      status: 'FAILED',
      compensation: { status: 'COMPENSATED' },
      reasonForIncompletion: expect.stringContaining('declined') as unknown,
      // the step that failed is named once compensated, as Conductor names it (the dashboard's "failed step")
      failedReferenceTaskNames: ['fail'],
      failedTaskNames: ['fail'],
    });
  });

  it('compensates parallel branches concurrently, each branch in reverse', () => {
    const fork: WorkflowTask = {
      name: 'f',
      taskReferenceName: 'f',
      type: 'FORK_JOIN',
      forkTasks: [[step('seat', 'undo_seat'), step('meal', 'undo_meal')], [step('bag', 'undo_bag')]],
    };
    const engine = run(
      { name: 'saga', tasks: [fork, { name: 'j', taskReferenceName: 'j', type: 'JOIN', joinOn: ['meal', 'bag'] }, step('fail')] },
      answering,
    );
    expect(open(engine).sort()).toEqual(['undo_bag', 'undo_meal']);
    complete(engine, 'undo_bag');
    expect(open(engine)).toEqual(['undo_meal']);
    complete(engine, 'undo_meal');
    expect(open(engine)).toEqual(['undo_seat']);
    complete(engine, 'undo_seat');
    expect(engine.execution('w').compensation?.status).toBe('COMPENSATED');
  });

  it('runs each compensation exactly once, whatever the redeliveries', () => {
    const engine = run({ name: 'saga', tasks: [step('hold', 'undo_hold'), step('fail')] }, answering);
    complete(engine, 'undo_hold');
    complete(engine, 'undo_hold');
    engine.send('w', { type: 'ReportTaskResult', result: { taskId: engine.execution('w').tasks[2]?.taskId ?? '', status: 'FAILED' } });
    const scheduled = engine.history('w').filter((event) => event.type === 'TaskScheduled' && event.data.task.compensationOf !== undefined);
    expect(scheduled).toHaveLength(1);
    expect(engine.commands().filter((command) => command.type === 'DispatchTask' && command.taskType === 'undo_hold')).toHaveLength(1);
    expect(engine.execution('w').status).toBe('FAILED');
  });

  it('retries a compensation under its own task def, and ends COMPENSATION_FAILED when it cannot', () => {
    const worker: SimulatedWorker = (task) =>
      task.taskType === 'undo_hold' ? { status: 'FAILED', reasonForIncompletion: 'still down' } : answering(task);
    const engine = run({ name: 'saga', tasks: [step('hold', 'undo_hold'), step('fail')] }, worker, [
      { name: 'undo_hold', retryCount: 2, retryDelaySeconds: 1 },
    ]);
    engine.advance(10_000);
    const attempts = engine.execution('w').tasks.filter((task) => task.ref === 'undo_hold');
    expect(attempts.map((task) => task.status)).toEqual(['FAILED', 'FAILED', 'FAILED']);
    expect(engine.execution('w')).toMatchObject({
      status: 'FAILED',
      compensation: { status: 'COMPENSATION_FAILED' },
      failedReferenceTaskNames: ['fail'],
    });
    expect(engine.execution('w').reasonForIncompletion).toMatch(/compensation undo_hold failed: still down/);
  });

  it('starts the failureWorkflow once compensated, too', () => {
    const failure: WorkflowDef = {
      name: 'on_failure',
      tasks: [{ name: 'x', taskReferenceName: 'x', type: 'SET_VARIABLE', inputParameters: { seen: '${workflow.input.workflowId}' } }],
    };
    const engine = run(
      { name: 'saga', failureWorkflow: 'on_failure', tasks: [step('hold', 'undo_hold'), step('fail')] },
      answering,
      [],
      [failure],
    );
    expect(engine.commands().some((command) => command.type === 'StartWorkflow' && command.purpose === 'FAILURE_WORKFLOW')).toBe(false);
    complete(engine, 'undo_hold');
    expect(engine.execution('w').output['conductor.failure_workflow']).toBe('w:failure');
    expect(engine.execution('w:failure')).toMatchObject({ status: 'COMPLETED', variables: { seen: 'w' } });
  });
});

describe('an operator terminate', () => {
  it('compensates when asked, and ends TERMINATED', () => {
    const engine = run({ name: 'saga', tasks: [step('hold', 'undo_hold'), step('wait_here')] }, (task) =>
      task.taskType === 'wait_here' ? undefined : answering(task),
    );
    engine.send('w', { type: 'TerminateWorkflow', reason: 'customer left', compensate: true });
    expect(engine.execution('w').tasks.map((task) => `${task.referenceTaskName}:${task.status}`)).toEqual([
      'hold:COMPLETED',
      'wait_here:CANCELED',
      'undo_hold:IN_PROGRESS',
    ]);
    complete(engine, 'undo_hold');
    expect(engine.execution('w')).toMatchObject({
      status: 'TERMINATED',
      compensation: { status: 'COMPENSATED' },
      reasonForIncompletion: 'customer left',
      failedReferenceTaskNames: [],
    });
  });

  it('a terminate with compensate repeated while compensating (a retried request) changes nothing; one without stops the compensation', () => {
    const engine = run({ name: 'saga', tasks: [step('hold', 'undo_hold'), step('wait_here')] }, (task) =>
      task.taskType === 'wait_here' ? undefined : answering(task),
    );
    engine.send('w', { type: 'TerminateWorkflow', reason: 'customer left', compensate: true });
    engine.send('w', { type: 'TerminateWorkflow', reason: 'customer left', compensate: true });
    expect(engine.execution('w').compensation?.status).toBe('COMPENSATING');
    expect(open(engine)).toEqual(['undo_hold']);
    engine.send('w', { type: 'TerminateWorkflow', reason: 'stop undoing' });
    expect(engine.execution('w')).toMatchObject({ status: 'TERMINATED', compensation: { status: 'COMPENSATION_FAILED' } });
  });

  it('does not compensate otherwise (as Conductor)', () => {
    const engine = run({ name: 'saga', tasks: [step('hold', 'undo_hold'), step('wait_here')] }, (task) =>
      task.taskType === 'wait_here' ? undefined : answering(task),
    );
    engine.send('w', { type: 'TerminateWorkflow', reason: 'stop' });
    expect(engine.execution('w').tasks.some((task) => task.compensationOf !== undefined)).toBe(false);
    expect(engine.execution('w').status).toBe('TERMINATED');
  });
});

describe('a step still with its worker when the compensation begins', () => {
  // `b` is held by its worker (no answer yet); the test answers it
  const held: SimulatedWorker = (task) => (task.taskType === 'b' ? undefined : answering(task));
  const saga = (): WorkflowDef => ({ name: 'saga', tasks: [step('a', 'undo_a'), step('b', 'undo_b'), step('c')] });
  const answer = (engine: Engine, ref: string, status: 'COMPLETED' | 'FAILED_WITH_TERMINAL_ERROR') => {
    const task = [...engine.execution('w').tasks].reverse().find((candidate) => candidate.referenceTaskName === ref);
    engine.send('w', { type: 'ReportTaskResult', result: { taskId: task?.taskId ?? '', status, outputData: { id: `${ref}-1` } } });
  };

  it('is waited for, not canceled: completed late, it is undone first, then the steps before it', () => {
    const engine = run(saga(), held);
    engine.send('w', { type: 'TerminateWorkflow', reason: 'customer left', compensate: true });
    expect(engine.execution('w').tasks.map((task) => `${task.referenceTaskName}:${task.status}`)).toEqual(['a:COMPLETED', 'b:IN_PROGRESS']);
    expect(engine.commands().some((command) => command.type === 'CancelTask')).toBe(false);
    expect(open(engine)).toEqual([]); // undo_a waits for b's outcome
    answer(engine, 'b', 'COMPLETED');
    expect(open(engine)).toEqual(['undo_b']);
    expect(engine.execution('w').tasks.find((task) => task.ref === 'undo_b')?.inputData).toEqual({ of: 'b-1' });
    complete(engine, 'undo_b');
    expect(open(engine)).toEqual(['undo_a']);
    complete(engine, 'undo_a');
    expect(engine.execution('w')).toMatchObject({ status: 'TERMINATED', compensation: { status: 'COMPENSATED' } });
    expect(engine.execution('w').tasks.some((task) => task.referenceTaskName === 'c')).toBe(false); // nothing forward ran
  });

  it('ending FAILED (its worker did nothing), it has nothing to undo: the steps before it are undone', () => {
    const engine = run(saga(), held, [{ name: 'b', retryCount: 3 }]);
    engine.send('w', { type: 'TerminateWorkflow', compensate: true });
    answer(engine, 'b', 'FAILED_WITH_TERMINAL_ERROR');
    expect(open(engine)).toEqual(['undo_a']);
    complete(engine, 'undo_a');
    expect(engine.execution('w')).toMatchObject({ status: 'TERMINATED', compensation: { status: 'COMPENSATED' } });
    expect(engine.execution('w').tasks.filter((task) => task.referenceTaskName === 'b')).toHaveLength(1); // not retried
  });

  it('with nothing completed before it, the execution still waits for it and undoes it (it ended at once, the effect left behind)', () => {
    const engine = run({ name: 'saga', tasks: [step('b', 'undo_b')] }, held);
    engine.send('w', { type: 'TerminateWorkflow', compensate: true });
    expect(engine.execution('w')).toMatchObject({ status: 'RUNNING', compensation: { status: 'COMPENSATING' } });
    answer(engine, 'b', 'COMPLETED');
    complete(engine, 'undo_b');
    expect(engine.execution('w')).toMatchObject({ status: 'TERMINATED', compensation: { status: 'COMPENSATED' } });
  });

  it('timed out with its worker, it may have had its effect: it is undone', () => {
    const engine = run(saga(), held, [{ name: 'b', responseTimeoutSeconds: 5, retryCount: 0 }]);
    engine.send('w', { type: 'TerminateWorkflow', compensate: true });
    engine.advance(6_000);
    expect(engine.execution('w').tasks.find((task) => task.referenceTaskName === 'b')?.status).toBe('TIMED_OUT');
    expect(open(engine)).toEqual(['undo_b']);
  });

  it('in a parallel branch when the other branch fails: waited for, then undone with its branch', () => {
    const fork: WorkflowTask = {
      name: 'f',
      taskReferenceName: 'f',
      type: 'FORK_JOIN',
      forkTasks: [[step('a', 'undo_a'), step('fail')], [step('b', 'undo_b')]],
    };
    const engine = run({ name: 'saga', tasks: [fork, { name: 'j', taskReferenceName: 'j', type: 'JOIN', joinOn: ['fail', 'b'] }] }, held);
    expect(engine.execution('w').compensation?.status).toBe('COMPENSATING');
    expect(open(engine)).toEqual(['undo_a']); // the failed branch is undone at once, b's branch waits for b
    answer(engine, 'b', 'COMPLETED');
    expect(open(engine).sort()).toEqual(['undo_a', 'undo_b']);
    complete(engine, 'undo_a');
    complete(engine, 'undo_b');
    expect(engine.execution('w')).toMatchObject({ status: 'FAILED', compensation: { status: 'COMPENSATED' } });
  });
});
