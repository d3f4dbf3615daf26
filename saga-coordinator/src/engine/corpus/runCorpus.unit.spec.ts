import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScriptSandbox } from '../createScriptSandbox.ts';
import type { ScriptSandbox } from '../createScriptSandbox.ts';
import { createInMemoryEngine } from '../inMemoryEngine.ts';
import type { SimulatedWorker } from '../inMemoryEngine.ts';
import { corpusFiles, corpusTaskDefs, readCorpusDef } from './conductorCorpus.ts';

let sandbox: ScriptSandbox;
beforeAll(async () => {
  sandbox = await createScriptSandbox();
});
afterAll(() => sandbox.close());

const definitions = corpusFiles().map(readCorpusDef);
const byFile = (file: string) => readCorpusDef(file);
const engineWith = (worker?: SimulatedWorker) =>
  createInMemoryEngine({ scripts: sandbox, definitions, taskDefs: corpusTaskDefs, ...(worker === undefined ? {} : { worker }) });
const refs = (engine: ReturnType<typeof engineWith>, id: string) =>
  engine.execution(id).tasks.map((task) => `${task.referenceTaskName}:${task.status}`);
const echo: SimulatedWorker = (task) => ({ status: 'COMPLETED', outputData: { op: `${task.referenceTaskName}.op`, uuid: task.taskId } });

// each file driven to the outcome the corpus README gives (Conductor's own spec for it)
describe("Conductor's corpus, run by the decider with generic workers", () => {
  it('do_while_integration_test.json: loop=1 runs one iteration (body with a fork) and completes', () => {
    const engine = engineWith(echo);
    engine.start('w', byFile('do_while_integration_test.json'), { loop: 1 });
    expect(engine.execution('w').status).toBe('COMPLETED');
    expect(refs(engine, 'w')).toEqual([
      'loopTask:COMPLETED',
      'integration_task_0__1:COMPLETED',
      'fork__1:COMPLETED',
      'integration_task_1__1:COMPLETED',
      'integration_task_2__1:COMPLETED',
      'join__1:COMPLETED',
    ]);
    expect(engine.execution('w').tasks[0]?.outputData).toMatchObject({
      iteration: 1,
      '1': { integration_task_0: { op: 'integration_task_0__1.op' } },
    });
  });

  it('do_while_integration_test.json: loop=3 counts three iterations', () => {
    const engine = engineWith(echo);
    engine.start('w', byFile('do_while_integration_test.json'), { loop: 3 });
    expect(engine.execution('w').status).toBe('COMPLETED');
    expect(engine.execution('w').tasks[0]?.outputData['iteration']).toBe(3);
    expect(
      engine
        .execution('w')
        .tasks.filter((task) => task.ref === 'integration_task_0')
        .map((task) => task.iteration),
    ).toEqual([1, 2, 3]);
  });

  it('do_while_set_variable_fix.json: value=2 -> COMPLETED, 2 tasks, the SET_VARIABLE input value "0"', () => {
    const engine = engineWith();
    engine.start('w', byFile('do_while_set_variable_fix.json'), { value: 2 });
    const execution = engine.execution('w');
    expect(execution.status).toBe('COMPLETED');
    expect(execution.tasks).toHaveLength(2);
    expect(execution.tasks[1]?.inputData['value']).toBe('0');
  });

  it('do_while_sub_workflow_integration_test.json: loop=1 with sub_workflow as its child -> COMPLETED', () => {
    const engine = engineWith(echo);
    engine.start('w', byFile('do_while_sub_workflow_integration_test.json'), { loop: 1 });
    expect(engine.execution('w').status).toBe('COMPLETED');
    const sub = engine.execution('w').tasks.find((task) => task.ref === 'st1');
    expect(sub).toMatchObject({ status: 'COMPLETED', subWorkflowId: `${sub?.taskId}:sub` });
    expect(engine.execution(sub?.subWorkflowId ?? '').status).toBe('COMPLETED');
  });

  it('event_workflow_integration_test.json: EVENT completes at once with event_produced, then t1', () => {
    const engine = engineWith();
    engine.start('w', byFile('event_workflow_integration_test.json'));
    expect(engine.execution('w').status).toBe('COMPLETED');
    expect(engine.execution('w').tasks[0]).toMatchObject({
      taskType: 'EVENT',
      status: 'COMPLETED',
      outputData: { event_produced: 'conductor:test_event_workflow:wait0' },
    });
    expect(engine.commands()).toContainEqual(
      expect.objectContaining({ type: 'PublishEvent', sink: 'conductor:test_event_workflow:wait0' }),
    );
  });

  it('failure_workflow_for_terminate_task_workflow.json: its LAMBDA gives {result: {testvalue: true}} for a=1', () => {
    const engine = engineWith();
    engine.start('w', byFile('failure_workflow_for_terminate_task_workflow.json'), { a: 1 });
    expect(engine.execution('w').status).toBe('COMPLETED');
    expect(engine.execution('w').tasks[0]?.outputData).toEqual({ result: { testvalue: true } });
  });

  it('fork_join_integration_test.json: both branches run and the JOIN waits for t3 and t2, then t4', () => {
    const engine = engineWith(() => undefined);
    engine.start('w', byFile('fork_join_integration_test.json'), { param1: 'p1', param2: 'p2' });
    expect(refs(engine, 'w')).toEqual(['fanouttask:COMPLETED', 't1:IN_PROGRESS', 't2:IN_PROGRESS', 'fanouttask_join:IN_PROGRESS']);
    const id = (ref: string) => engine.execution('w').tasks.find((task) => task.referenceTaskName === ref)?.taskId;
    engine.send('w', { type: 'ReportTaskResult', result: { taskId: id('t1') ?? '', status: 'COMPLETED', outputData: { a: 1 } } });
    engine.send('w', { type: 'ReportTaskResult', result: { taskId: id('t2') ?? '', status: 'COMPLETED', outputData: { b: 2 } } });
    expect(engine.execution('w').tasks.find((task) => task.ref === 'fanouttask_join')?.status).toBe('IN_PROGRESS');
    engine.send('w', { type: 'ReportTaskResult', result: { taskId: id('t3') ?? '', status: 'COMPLETED', outputData: { c: 3 } } });
    expect(engine.execution('w').tasks.find((task) => task.ref === 't4')?.status).toBe('IN_PROGRESS');
    engine.send('w', { type: 'ReportTaskResult', result: { taskId: id('t4') ?? '', status: 'COMPLETED' } });
    expect(engine.execution('w').status).toBe('COMPLETED');
    expect(engine.execution('w').tasks.find((task) => task.ref === 'fanouttask_join')?.outputData).toEqual({ t3: { c: 3 }, t2: { b: 2 } });
    expect(engine.execution('w').tasks.find((task) => task.ref === 't1')?.inputData).toEqual({
      p1: 'workflow.input.param1',
      p2: 'workflow.input.param2',
    });
  });

  it('sequential_json_jq_transform_integration_test.json: the second jq program comes from the first one output', () => {
    const engine = engineWith();
    const body = { name: 'n', nested: { a: [1, 2] } };
    engine.start('w', byFile('sequential_json_jq_transform_integration_test.json'), { body });
    expect(engine.execution('w').status).toBe('COMPLETED');
    expect(engine.execution('w').tasks[0]?.outputData['result']).toEqual({
      requestTransform: '.body',
      responseTransform: '.response.body',
      method: 'GET',
      document: 'rgt_results',
      successExpression: 'true',
    });
    expect(engine.execution('w').tasks[1]?.outputData).toEqual({ result: body, resultList: [body] });
  });

  it('set_variable_workflow_integration_test.json: variables set, the WAIT completed by a signal, output has them', () => {
    const engine = engineWith();
    engine.start('w', byFile('set_variable_workflow_integration_test.json'), { var: 'v1' });
    expect(refs(engine, 'w')).toEqual(['simple:COMPLETED', 'set_variable_1:COMPLETED', 'wait0:IN_PROGRESS']);
    engine.send('w', { type: 'ReportTaskResult', result: { referenceTaskName: 'wait0', status: 'COMPLETED', outputData: {} } });
    expect(engine.execution('w')).toMatchObject({ status: 'COMPLETED', output: { variables: { var: 'v1' } } });
  });

  it.each(['simple_decision_task_integration_test.json', 'simple_switch_task_integration_test.json'])(
    '%s: case=c -> the case tasks then t20, 4 tasks',
    (file) => {
      const engine = engineWith(echo);
      engine.start('w', byFile(file), { case: 'c', param1: 'p1', param2: 'p2' });
      expect(engine.execution('w').status).toBe('COMPLETED');
      expect(refs(engine, 'w').map((entry) => entry.split(':')[0])).toEqual([
        file.includes('decision') ? 'decisionTask' : 'switchTask',
        't1',
        't2',
        't20',
      ]);
      expect(engine.execution('w').tasks[0]?.outputData).toEqual(
        file.includes('decision') ? { caseOutput: ['c'] } : { evaluationResult: ['c'], selectedCase: 'c' },
      );
    },
  );

  it('simple_one_task_sub_workflow_integration_test.json: one task -> COMPLETED', () => {
    const engine = engineWith(echo);
    engine.start('w', byFile('simple_one_task_sub_workflow_integration_test.json'));
    expect(engine.execution('w').status).toBe('COMPLETED');
  });

  it('simple_wait_task_workflow_integration_test.json: the WAIT times out after 2 s (RETRY), a new WAIT is scheduled; completing it runs t1', () => {
    const engine = engineWith(echo);
    engine.start('w', byFile('simple_wait_task_workflow_integration_test.json'));
    engine.advance(3000);
    expect(refs(engine, 'w')).toEqual(['wait0:TIMED_OUT', 'wait0:SCHEDULED']);
    engine.send('w', { type: 'ReportTaskResult', result: { referenceTaskName: 'wait0', status: 'COMPLETED' } });
    expect(refs(engine, 'w')).toEqual(['wait0:TIMED_OUT', 'wait0:COMPLETED', 't1:COMPLETED']);
    expect(engine.execution('w').status).toBe('COMPLETED');
  });

  it('simple_workflow_1_input_template_integration_test.json: the inputTemplate fills param1..3', () => {
    const engine = engineWith(echo);
    engine.start('w', byFile('simple_workflow_1_input_template_integration_test.json'), { param3: 'given' });
    const execution = engine.execution('w');
    expect(execution.status).toBe('COMPLETED');
    expect(execution.tasks[0]?.inputData).toEqual({
      p1: { nested_object: { nested_key: 'nested_value' } },
      p2: ['list', 'of', 'strings'],
      p3: execution.tasks[0]?.taskId,
      someNullKey: null,
    });
    expect(execution.output).toEqual({
      output: 't1.op',
      param1: { nested_object: { nested_key: 'nested_value' } },
      param2: ['list', 'of', 'strings'],
      param3: 'given',
    });
  });

  it('simple_workflow_1_integration_test.json: ${CPEWF_TASK_ID}, a null key, outputs o1..o3', () => {
    const engine = engineWith(echo);
    engine.start('w', byFile('simple_workflow_1_integration_test.json'), { param1: 'p1', param2: 'p2' });
    const [t1, t2] = engine.execution('w').tasks;
    expect(t1?.inputData).toEqual({ p1: 'p1', p2: 'p2', p3: t1?.taskId, someNullKey: null });
    expect(t2?.inputData).toEqual({ tp1: 'p1', tp2: 't1.op', tp3: t2?.taskId });
    expect(engine.execution('w')).toMatchObject({ status: 'COMPLETED', output: { o1: 'p1', o2: t2?.taskId, o3: 't1.op' } });
  });

  it('simple_workflow_with_optional_task_integration_test.json: the optional task fails twice -> COMPLETED_WITH_ERRORS, the workflow completes', () => {
    const engine = engineWith((task) =>
      task.taskType === 'task_optional' ? { status: 'FAILED', reasonForIncompletion: 'nope' } : echo(task),
    );
    engine.start('w', byFile('simple_workflow_with_optional_task_integration_test.json'), { param1: 'p1', param2: 'p2' });
    expect(refs(engine, 'w')).toEqual(['t1:FAILED', 't1:COMPLETED_WITH_ERRORS', 't2:COMPLETED']);
    expect(engine.execution('w').status).toBe('COMPLETED');
  });

  it('simple_workflow_with_resp_time_out_integration_test.json: task_rt unanswered -> TIMED_OUT after 10 s, retried, then completes', () => {
    const engine = engineWith(() => undefined);
    engine.start('w', byFile('simple_workflow_with_resp_time_out_integration_test.json'), { param1: 'p1', param2: 'p2' });
    engine.advance(10_000);
    expect(refs(engine, 'w')).toEqual(['t1:TIMED_OUT', 't1:IN_PROGRESS']);
    engine.setWorker(echo);
    const retry = engine.execution('w').tasks[1];
    engine.send('w', { type: 'ReportTaskResult', result: { taskId: retry?.taskId ?? '', status: 'COMPLETED', outputData: { op: 'x' } } });
    engine.settle({ advanceMs: 0 });
    expect(refs(engine, 'w')).toEqual(['t1:TIMED_OUT', 't1:COMPLETED', 't2:COMPLETED']);
    expect(engine.execution('w').status).toBe('COMPLETED');
  });

  it('switch_and_fork_join_integration_test.json: case=c -> FORK, SWITCH, t1, t10, JOIN in progress ... -> COMPLETED', () => {
    const engine = engineWith(() => undefined);
    engine.start('w', byFile('switch_and_fork_join_integration_test.json'), { case: 'c', param1: 'p1', param2: 'p2' });
    expect(refs(engine, 'w')).toEqual([
      'forkTask:COMPLETED',
      'switchTask:COMPLETED',
      't1:IN_PROGRESS',
      't10:IN_PROGRESS',
      'joinTask:IN_PROGRESS',
    ]);
    engine.setWorker(echo);
    for (const ref of ['t1', 't10']) {
      const task = engine.execution('w').tasks.find((candidate) => candidate.ref === ref);
      engine.send('w', { type: 'ReportTaskResult', result: { taskId: task?.taskId ?? '', status: 'COMPLETED' } });
    }
    expect(engine.execution('w').status).toBe('COMPLETED');
    expect(refs(engine, 'w').map((entry) => entry.split(':')[0])).toEqual(['forkTask', 'switchTask', 't1', 't10', 'joinTask', 't2', 't20']);
  });

  it('switch_and_terminate_integration_test.json: case=two -> TERMINATE FAILED in the branch, t3 never scheduled', () => {
    const engine = engineWith(echo);
    engine.start('w', byFile('switch_and_terminate_integration_test.json'), { case: 'two', param1: 'p1', param2: 'p2' });
    expect(engine.execution('w')).toMatchObject({ status: 'FAILED', output: { output: 't1.op' } });
    expect(refs(engine, 'w')).toEqual(['t1:COMPLETED', 'switch:COMPLETED', 'terminate0:COMPLETED']);
  });

  it('switch_with_no_default_case_integration_test.json: no case -> SWITCH COMPLETED, then t2 (2 tasks)', () => {
    const engine = engineWith(echo);
    engine.start('w', byFile('switch_with_no_default_case_integration_test.json'), {});
    expect(refs(engine, 'w')).toEqual(['switchTask:COMPLETED', 't2:COMPLETED']);
    expect(engine.execution('w').status).toBe('COMPLETED');
  });

  it('terminate_task_failed_workflow_integration.json: a=1 -> FAILED "Early exit in terminate", failure_workflow run for it', () => {
    const engine = engineWith(echo);
    engine.start('w', byFile('terminate_task_failed_workflow_integration.json'), { a: 1 });
    const execution = engine.execution('w');
    expect(execution).toMatchObject({ status: 'FAILED', reasonForIncompletion: 'Early exit in terminate' });
    expect(refs(engine, 'w')).toEqual(['lambda0:COMPLETED', 'terminate0:COMPLETED']);
    const failureId = execution.output['conductor.failure_workflow'] as string;
    expect(execution.output).toMatchObject({ result: { testvalue: true } });
    expect(engine.execution(failureId)).toMatchObject({ status: 'COMPLETED', input: { workflowId: 'w' } });
  });

  it('wait_workflow_integration_test.json: WAIT until signalled, then t1', () => {
    const engine = engineWith(echo);
    engine.start('w', byFile('wait_workflow_integration_test.json'));
    expect(refs(engine, 'w')).toEqual(['wait0:IN_PROGRESS']);
    engine.send('w', { type: 'ReportTaskResult', result: { referenceTaskName: 'wait0', status: 'COMPLETED' } });
    expect(engine.execution('w').status).toBe('COMPLETED');
  });

  it('workflow_with_sub_workflow_1_integration_test.json: the child named by ${workflow.input.subwf} runs and the parent completes', () => {
    const engine = engineWith(echo);
    engine.start('w', byFile('workflow_with_sub_workflow_1_integration_test.json'), { subwf: 'sub_workflow', param1: 'p1', param2: 'p2' });
    const sub = engine.execution('w').tasks[1];
    expect(engine.commands()).toContainEqual(
      expect.objectContaining({ type: 'StartWorkflow', name: 'sub_workflow', version: 1, parentWorkflowId: 'w' }),
    );
    expect(sub).toMatchObject({ status: 'COMPLETED', taskType: 'SUB_WORKFLOW' });
    expect(engine.execution('w').status).toBe('COMPLETED');
  });
});
