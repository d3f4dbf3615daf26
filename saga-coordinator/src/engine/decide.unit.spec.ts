import { RuleViolationError } from '@waggle/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptSandbox } from './createScriptSandbox.ts';
import type { ScriptSandbox } from './createScriptSandbox.ts';
import { createExecutionDecider, decide } from './decide.ts';
import type { EngineInput } from './engineInput.ts';
import { evolve } from './evolve.ts';
import { initialState } from './execution.ts';
import type { Execution } from './execution.ts';
import type { ExecutionEvent } from './executionEvents.ts';
import { createInMemoryEngine } from './inMemoryEngine.ts';
import type { SimulatedWorker } from './inMemoryEngine.ts';
import { maxTaskOutputBytes } from '@waggle/task-worker';
import { retryDelaySeconds } from './retryPolicy.ts';
import type { TaskDef, WorkflowDef, WorkflowTask } from './workflowDef.ts';

let sandbox: ScriptSandbox;
beforeAll(async () => {
  sandbox = await createScriptSandbox();
});
afterAll(() => sandbox.close());

const at = 1_700_000_000_000;
const simple = (ref: string, extra: Partial<WorkflowTask> = {}): WorkflowTask => ({
  name: ref,
  taskReferenceName: ref,
  type: 'SIMPLE',
  ...extra,
});
const linear = (tasks: WorkflowTask[], extra: Partial<WorkflowDef> = {}): WorkflowDef => ({ name: 'wf', version: 1, tasks, ...extra });
const given = (events: readonly ExecutionEvent[]): Execution => events.reduce<Execution>(evolve, initialState());
const start = (definition: WorkflowDef, taskDefs: TaskDef[] = []): EngineInput => ({
  type: 'StartWorkflow',
  workflowId: 'w',
  definition,
  taskDefs,
  input: { x: 1 },
  meta: { at },
});
const engine = (definition: WorkflowDef, worker: SimulatedWorker, taskDefs: TaskDef[] = []) => {
  const running = createInMemoryEngine({ scripts: sandbox, worker, taskDefs });
  running.start('w', definition, { x: 1 });
  return running;
};
const statuses = (running: ReturnType<typeof engine>) =>
  running.execution('w').tasks.map((task) => `${task.referenceTaskName}:${task.status}`);
const taskId = (running: ReturnType<typeof engine>, ref: string) =>
  [...running.execution('w').tasks].reverse().find((task) => task.referenceTaskName === ref)?.taskId ?? '';

describe('a new execution', () => {
  it('starts: the first task is scheduled and dispatched with its timers, and the decision is deterministic', () => {
    const decided = decide(
      start(linear([simple('a', { inputParameters: { v: '${workflow.input.x}', id: '${CPEWF_TASK_ID}' } })])),
      initialState(),
      sandbox,
    );
    expect(decided.events.map((event) => event.type)).toEqual(['WorkflowStarted', 'TaskScheduled', 'TaskUpdated']);
    expect(decided.commands).toEqual([
      {
        type: 'DispatchTask',
        workflowId: 'w',
        taskId: 'w:1',
        taskType: 'a',
        referenceTaskName: 'a',
        retryCount: 0,
        inputData: { v: 1, id: 'w:1' },
      },
      {
        type: 'ScheduleTimer',
        workflowId: 'w',
        timerId: `w:1:responseTimeout:${at + 3_600_000}`,
        fireAt: at + 3_600_000,
        timer: { kind: 'responseTimeout', taskId: 'w:1' },
      },
    ]);
    expect(
      decide(
        start(linear([simple('a', { inputParameters: { v: '${workflow.input.x}', id: '${CPEWF_TASK_ID}' } })])),
        initialState(),
        sandbox,
      ),
    ).toEqual(decided);
  });

  it('is started once: a second start changes nothing', () => {
    const first = decide(start(linear([simple('a')])), initialState(), sandbox);
    expect(decide(start(linear([simple('a')])), given(first.events), sandbox)).toEqual({ events: [], commands: [] });
  });

  it('arms the workflow timeout and times out with TIME_OUT_WF', () => {
    const running = engine(linear([simple('a')], { timeoutSeconds: 30, timeoutPolicy: 'TIME_OUT_WF' }), () => undefined);
    running.advance(30_000);
    expect(running.execution('w').status).toBe('TIMED_OUT');
    expect(running.execution('w').reasonForIncompletion).toMatch(/^Workflow timed out after 30 seconds/);
    expect(statuses(running)).toEqual(['a:CANCELED']);
  });
});

describe('task results', () => {
  it('a duplicate is ignored and a late, different one is recorded, never applied', () => {
    const running = engine(linear([simple('a'), simple('b')]), () => undefined);
    const a = taskId(running, 'a');
    running.send('w', { type: 'ReportTaskResult', result: { taskId: a, status: 'COMPLETED', outputData: { v: 1 } } });
    const before = running.history('w').length;
    running.send('w', { type: 'ReportTaskResult', result: { taskId: a, status: 'COMPLETED', outputData: { v: 1 } } });
    expect(running.history('w')).toHaveLength(before);
    running.send('w', { type: 'ReportTaskResult', result: { taskId: a, status: 'FAILED', outputData: { v: 2 } } });
    expect(
      running
        .history('w')
        .slice(before)
        .map((event) => event.type),
    ).toEqual(['LateTaskResultRecorded']);
    expect(running.execution('w').tasks[0]).toMatchObject({ status: 'COMPLETED', outputData: { v: 1 } });
  });

  it('an early one (before its task is scheduled) is buffered and applied when the task comes', () => {
    const running = engine(
      linear([simple('a'), { name: 'wait', taskReferenceName: 'approval', type: 'WAIT' }, simple('b')]),
      () => undefined,
    );
    running.send('w', {
      type: 'ReportTaskResult',
      result: { referenceTaskName: 'approval', status: 'COMPLETED', outputData: { ok: true } },
    });
    expect(running.execution('w').earlyResults).toHaveLength(1);
    running.send('w', { type: 'ReportTaskResult', result: { taskId: taskId(running, 'a'), status: 'COMPLETED' } });
    expect(statuses(running)).toEqual(['a:COMPLETED', 'approval:COMPLETED', 'b:IN_PROGRESS']);
    expect(running.execution('w').tasks[1]?.outputData).toEqual({ ok: true });
    expect(running.execution('w').earlyResults).toEqual([]);
  });

  it('IN_PROGRESS with callbackAfterSeconds puts the task back to SCHEDULED and hands it out again when due', () => {
    const running = engine(linear([simple('a')]), () => undefined);
    running.send('w', {
      type: 'ReportTaskResult',
      result: { taskId: taskId(running, 'a'), status: 'IN_PROGRESS', callbackAfterSeconds: 20, outputData: { step: 1 } },
    });
    expect(statuses(running)).toEqual(['a:SCHEDULED']);
    const dispatched = () => running.commands().filter((command) => command.type === 'DispatchTask').length;
    expect(dispatched()).toBe(1);
    running.advance(20_000);
    expect(dispatched()).toBe(2);
    expect(statuses(running)).toEqual(['a:IN_PROGRESS']);
  });

  it('a sub-workflow that ends reports to its parent task', () => {
    const child: WorkflowDef = linear([simple('c')], { name: 'child' });
    const running = createInMemoryEngine({
      scripts: sandbox,
      definitions: [child],
      worker: () => ({ status: 'COMPLETED', outputData: { r: 5 } }),
    });
    running.start(
      'w',
      linear([{ name: 'sub', taskReferenceName: 'sub', type: 'SUB_WORKFLOW', subWorkflowParam: { name: 'child' } }], {
        outputParameters: { r: '${sub.output.r}' },
      }),
    );
    expect(running.execution('w')).toMatchObject({ status: 'COMPLETED', output: { r: 5 } });
  });
});

describe('retries', () => {
  it('compute FIXED, EXPONENTIAL_BACKOFF and LINEAR_BACKOFF delays, capped by maxRetryDelaySeconds', () => {
    expect([0, 1, 2].map((n) => retryDelaySeconds({ name: 't', retryDelaySeconds: 5 }, n))).toEqual([5, 5, 5]);
    expect([0, 1, 2].map((n) => retryDelaySeconds({ name: 't', retryDelaySeconds: 2, retryLogic: 'EXPONENTIAL_BACKOFF' }, n))).toEqual([
      2, 4, 8,
    ]);
    expect(
      [0, 1, 2].map((n) =>
        retryDelaySeconds(
          { name: 't', retryDelaySeconds: 2, retryLogic: 'LINEAR_BACKOFF', backoffScaleFactor: 3, maxRetryDelaySeconds: 15 },
          n,
        ),
      ),
    ).toEqual([6, 12, 15]);
  });

  it('a FAILED task gets new attempts on durable timers until its retries are spent, then the workflow FAILS', () => {
    const taskDefs: TaskDef[] = [
      { name: 'a', retryCount: 2, retryDelaySeconds: 3, retryLogic: 'EXPONENTIAL_BACKOFF', responseTimeoutSeconds: 100 },
    ];
    const running = engine(linear([simple('a')]), () => ({ status: 'FAILED', reasonForIncompletion: 'down' }), taskDefs);
    expect(statuses(running)).toEqual(['a:FAILED', 'a:SCHEDULED']);
    running.advance(2_999);
    expect(statuses(running)).toEqual(['a:FAILED', 'a:SCHEDULED']);
    running.advance(1);
    expect(statuses(running)).toEqual(['a:FAILED', 'a:FAILED', 'a:SCHEDULED']);
    running.advance(6_000);
    const tasks = running.execution('w').tasks;
    expect(tasks.map((task) => [task.retryCount, task.retried, task.retriedTaskId])).toEqual([
      [0, true, undefined],
      [1, true, 'w:1'],
      [2, false, 'w:2'],
    ]);
    expect(running.execution('w')).toMatchObject({
      status: 'FAILED',
      reasonForIncompletion: "Task w:3 failed with status: FAILED and reason: 'down'",
      failedReferenceTaskNames: ['a'],
    });
  });

  it('FAILED_WITH_TERMINAL_ERROR is never retried', () => {
    const running = engine(linear([simple('a')]), () => ({ status: 'FAILED_WITH_TERMINAL_ERROR' }), [{ name: 'a', retryCount: 3 }]);
    expect(statuses(running)).toEqual(['a:FAILED_WITH_TERMINAL_ERROR']);
    expect(running.execution('w').status).toBe('FAILED');
  });

  it('a task timeout with TIME_OUT_WF times the workflow out; with RETRY it retries', () => {
    const timedOut = engine(linear([simple('a')]), () => undefined, [
      { name: 'a', timeoutSeconds: 10, responseTimeoutSeconds: 10, timeoutPolicy: 'TIME_OUT_WF' },
    ]);
    timedOut.advance(10_000);
    expect(timedOut.execution('w').status).toBe('TIMED_OUT');
    const retried = engine(linear([simple('a')]), () => undefined, [
      { name: 'a', timeoutSeconds: 10, responseTimeoutSeconds: 10, timeoutPolicy: 'RETRY', retryCount: 1, retryDelaySeconds: 0 },
    ]);
    retried.advance(10_000);
    expect(statuses(retried)).toEqual(['a:TIMED_OUT', 'a:IN_PROGRESS']);
  });
});

describe('task types', () => {
  it('DYNAMIC runs the task its input names; HTTP is dispatched as a command; INLINE failing is terminal', () => {
    const dynamic = engine(
      linear([
        { name: 'dyn', taskReferenceName: 'd', type: 'DYNAMIC', dynamicTaskNameParam: 'which', inputParameters: { which: 'charge' } },
      ]),
      () => undefined,
    );
    expect(dynamic.execution('w').tasks[0]).toMatchObject({ taskType: 'charge', taskDefName: 'charge', status: 'IN_PROGRESS' });
    const http = engine(
      linear([{ name: 'h', taskReferenceName: 'h', type: 'HTTP', inputParameters: { http_request: { uri: 'http://x', method: 'GET' } } }]),
      () => undefined,
    );
    expect(http.commands()).toContainEqual(
      expect.objectContaining({ type: 'DispatchTask', taskType: 'HTTP', inputData: { http_request: { uri: 'http://x', method: 'GET' } } }),
    );
    const inline = engine(
      linear([{ name: 'i', taskReferenceName: 'i', type: 'INLINE', inputParameters: { expression: 'throw new Error("no")' } }]),
      () => undefined,
    );
    expect(inline.execution('w')).toMatchObject({
      status: 'FAILED',
      tasks: [{ status: 'FAILED_WITH_TERMINAL_ERROR', outputData: { error: 'Error: no' } }],
    });
  });

  it('FORK_JOIN_DYNAMIC spawns a branch per task and its JOIN waits for every one of 1,000', () => {
    const fork: WorkflowTask = {
      name: 'fan',
      taskReferenceName: 'fan',
      type: 'FORK_JOIN_DYNAMIC',
      dynamicForkTasksParam: 'tasks',
      dynamicForkTasksInputParamName: 'inputs',
      inputParameters: {
        tasks: Array.from({ length: 1000 }, (_, index) => ({ name: 'leg', taskReferenceName: `leg${index}` })),
        inputs: { leg3: { n: 3 } },
      },
    };
    const running = engine(linear([fork, { name: 'join', taskReferenceName: 'join', type: 'JOIN' }]), () => undefined);
    expect(running.execution('w').tasks.find((task) => task.ref === 'leg3')?.inputData).toEqual({ n: 3 });
    for (let index = 0; index < 999; index += 1)
      running.send('w', {
        type: 'ReportTaskResult',
        result: { taskId: taskId(running, `leg${index}`), status: 'COMPLETED', outputData: { index } },
      });
    expect(running.execution('w').tasks.find((task) => task.ref === 'join')?.status).toBe('IN_PROGRESS');
    running.send('w', {
      type: 'ReportTaskResult',
      result: { taskId: taskId(running, 'leg999'), status: 'COMPLETED', outputData: { index: 999 } },
    });
    expect(running.execution('w').status).toBe('COMPLETED');
    expect(Object.keys(running.execution('w').tasks.find((task) => task.ref === 'join')?.outputData ?? {})).toHaveLength(1000);
  });

  it('a JOIN does not hang when a SWITCH in a branch took a case without the joined task (Netflix/conductor#2758)', () => {
    const branch: WorkflowTask = {
      name: 's',
      taskReferenceName: 's',
      type: 'SWITCH',
      evaluatorType: 'value-param',
      expression: 'c',
      inputParameters: { c: 'no' },
      decisionCases: { yes: [simple('y')] },
    };
    const running = engine(
      linear([
        { name: 'f', taskReferenceName: 'f', type: 'FORK_JOIN', forkTasks: [[branch], [simple('b')]] },
        { name: 'j', taskReferenceName: 'j', type: 'JOIN', joinOn: ['y', 'b'] },
      ]),
      () => ({ status: 'COMPLETED' }),
    );
    expect(running.execution('w').status).toBe('COMPLETED');
  });

  it('WAIT with a duration completes on its durable timer', () => {
    const running = engine(
      linear([{ name: 'w', taskReferenceName: 'pause', type: 'WAIT', inputParameters: { duration: '1 minute 5 seconds' } }]),
      () => undefined,
    );
    running.advance(64_999);
    expect(running.execution('w').status).toBe('RUNNING');
    running.advance(1);
    expect(running.execution('w').status).toBe('COMPLETED');
  });
});

describe('operator actions', () => {
  it('pause: a result is recorded but nothing new is scheduled until resume', () => {
    const running = engine(linear([simple('a'), simple('b')]), () => undefined);
    running.send('w', { type: 'PauseWorkflow' });
    running.send('w', { type: 'ReportTaskResult', result: { taskId: taskId(running, 'a'), status: 'COMPLETED' } });
    expect(statuses(running)).toEqual(['a:COMPLETED']);
    running.send('w', { type: 'ResumeWorkflow' });
    expect(statuses(running)).toEqual(['a:COMPLETED', 'b:IN_PROGRESS']);
    expect(() => running.send('w', { type: 'ResumeWorkflow' })).toThrow(RuleViolationError);
  });

  it('terminate cancels open tasks and tells their workers; a COMPLETED workflow cannot be terminated', () => {
    const running = engine(linear([simple('a')]), () => undefined);
    running.send('w', { type: 'TerminateWorkflow', reason: 'operator' });
    expect(running.execution('w')).toMatchObject({ status: 'TERMINATED', reasonForIncompletion: 'operator' });
    expect(running.commands()).toContainEqual({ type: 'CancelTask', workflowId: 'w', taskId: 'w:1', taskType: 'a' });
    const done = engine(linear([simple('a')]), () => ({ status: 'COMPLETED' }));
    expect(() => done.send('w', { type: 'TerminateWorkflow' })).toThrow('Cannot terminate a COMPLETED workflow.');
  });

  it('retry resumes from the failed task with a new attempt', () => {
    let fail = true;
    const running = engine(linear([simple('a'), simple('b')]), (task) =>
      task.taskType === 'b' && fail ? { status: 'FAILED_WITH_TERMINAL_ERROR' } : { status: 'COMPLETED' },
    );
    expect(running.execution('w').status).toBe('FAILED');
    fail = false;
    running.send('w', { type: 'RetryWorkflow' });
    expect(statuses(running)).toEqual(['a:COMPLETED', 'b:FAILED_WITH_TERMINAL_ERROR', 'b:COMPLETED']);
    expect(running.execution('w').status).toBe('COMPLETED');
    expect(() => running.send('w', { type: 'RetryWorkflow' })).toThrow(RuleViolationError);
  });

  it('rerun from a task drops what came after and runs it with the new input', () => {
    const running = engine(linear([simple('a'), simple('b')]), () => ({ status: 'COMPLETED' }));
    running.send('w', { type: 'RerunWorkflow', reRunFromTaskId: taskId(running, 'b'), taskInput: { again: true } });
    expect(statuses(running)).toEqual(['a:COMPLETED', 'b:COMPLETED']);
    expect(running.execution('w').tasks[1]).toMatchObject({ taskId: 'w:3', inputData: { again: true } });
  });

  it('restart runs the definition it is given from the first task, under the same id', () => {
    const running = engine(linear([simple('a')]), () => ({ status: 'COMPLETED' }));
    running.send('w', { type: 'RestartWorkflow', definition: linear([simple('a2')], { version: 2 }) });
    expect(statuses(running)).toEqual(['a2:COMPLETED']);
    expect(running.execution('w').definition.version).toBe(2);
  });

  it('skip: a task not yet scheduled is SKIPPED with the given output when its turn comes', () => {
    const running = engine(linear([simple('a'), simple('b'), simple('c', { inputParameters: { v: '${b.output.v}' } })]), () => undefined);
    running.send('w', { type: 'SkipTask', referenceTaskName: 'b', taskOutput: { v: 9 } });
    running.send('w', { type: 'ReportTaskResult', result: { taskId: taskId(running, 'a'), status: 'COMPLETED' } });
    expect(statuses(running)).toEqual(['a:COMPLETED', 'b:SKIPPED', 'c:IN_PROGRESS']);
    expect(running.execution('w').tasks[2]?.inputData).toEqual({ v: 9 });
    expect(() => running.send('w', { type: 'SkipTask', referenceTaskName: 'a' })).toThrow(RuleViolationError);
  });
});

describe('the engine as a platform Decider', () => {
  it('appends the commands as the last event, which folding ignores', () => {
    const decider = createExecutionDecider(sandbox);
    const events = decider.decide(start(linear([simple('a')])), decider.initialState());
    const core = decide(start(linear([simple('a')])), initialState(), sandbox);
    expect(events).toEqual([...core.events, { type: 'CommandsIssued', data: { commands: core.commands } }]);
    expect(events.reduce(decider.evolve, decider.initialState())).toEqual(given(core.events));
  });
});

describe('a worker task with a startDelay', () => {
  it('is handed out once the delay has passed', () => {
    const running = engine(linear([simple('a', { startDelay: 30 })]), () => undefined);
    expect(statuses(running)).toEqual(['a:SCHEDULED']);
    running.advance(30_000);
    expect(statuses(running)).toEqual(['a:IN_PROGRESS']);
  });
});

describe('a DYNAMIC task', () => {
  it('is retried as the task it resolved to, and fails for good when its input names no task', () => {
    const dynamic: WorkflowTask = {
      name: 'dyn',
      taskReferenceName: 'd',
      type: 'DYNAMIC',
      dynamicTaskNameParam: 'which',
      inputParameters: { which: '${workflow.input.task}' },
    };
    const failing = createInMemoryEngine({
      scripts: sandbox,
      worker: () => ({ status: 'FAILED' }),
      taskDefs: [{ name: 'charge', retryCount: 1, retryDelaySeconds: 0 }],
    });
    failing.start('w', linear([dynamic]), { task: 'charge' });
    expect(failing.execution('w').tasks.map((task) => `${task.taskType}:${task.status}`)).toEqual(['charge:FAILED', 'charge:FAILED']);
    const unnamed = createInMemoryEngine({ scripts: sandbox });
    unnamed.start('w', linear([dynamic]), {});
    expect(unnamed.execution('w')).toMatchObject({
      status: 'FAILED',
      tasks: [
        { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'Cannot map a dynamic task based on the parameter and input' },
      ],
    });
  });
});

describe('a result whose output is over the limit', () => {
  it('fails its task for good with both sizes named, the output left out, and the execution ends FAILED (no retry)', () => {
    const big = { blob: 'x'.repeat(maxTaskOutputBytes) };
    const running = engine(linear([simple('a'), simple('b')]), () => undefined, [{ name: 'a', retryCount: 3 }]);
    running.send('w', { type: 'ReportTaskResult', result: { taskId: taskId(running, 'a'), status: 'COMPLETED', outputData: big } });
    const task = running.execution('w').tasks[0];
    expect(task).toMatchObject({ status: 'FAILED_WITH_TERMINAL_ERROR', outputData: {} });
    expect(task?.reasonForIncompletion).toMatch(/^the task output is 5242\d\d bytes, over the limit of 524288 bytes$/);
    expect(statuses(running)).toEqual(['a:FAILED_WITH_TERMINAL_ERROR']);
    expect(running.execution('w')).toMatchObject({ status: 'FAILED', failedReferenceTaskNames: ['a'] });
  });

  it('an output just under the limit is taken', () => {
    const running = engine(linear([simple('a')]), () => undefined);
    const fits = { blob: 'x'.repeat(maxTaskOutputBytes - 20) };
    running.send('w', { type: 'ReportTaskResult', result: { taskId: taskId(running, 'a'), status: 'COMPLETED', outputData: fits } });
    expect(running.execution('w').status).toBe('COMPLETED');
  });
});
