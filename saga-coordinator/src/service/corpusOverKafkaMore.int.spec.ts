import { waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { refs, taskByRef } from './testing/conductorClient.ts';
import { startCorpusRun } from './testing/corpusRun.ts';
import { countEffects, echo, type TestAnswer } from './testing/startTestCoordinator.ts';

// integration_task_6 ("ship") fails for good while the truck is down
let truckDown = true;
// task_optional always fails; task_rt leaves its first attempt unanswered (IN_PROGRESS) so its response timeout fires
const answer: TestAnswer = (task) => {
  if (task.taskType === 'task_optional') return { status: 'FAILED', reasonForIncompletion: 'nope' };
  if (task.taskType === 'task_rt' && task.retryCount === 0) return { status: 'IN_PROGRESS' };
  if (task.taskType === 'integration_task_6' && truckDown)
    return { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'no truck' };
  // a worker whose output cannot travel (2 MB): waggle's worker library fails the task instead of sending it
  if (typeof task.input['bigOutput'] === 'number')
    return { status: 'COMPLETED', outputData: { blob: 'x'.repeat(task.input['bigOutput']) } };
  return echo(task);
};

let run: Awaited<ReturnType<typeof startCorpusRun>>;
const start: typeof run.start = (...args) => run.start(...args);
const ended: typeof run.ended = (...args) => run.ended(...args);
const read: typeof run.workflow = (...args) => run.workflow(...args);
const api: typeof run.api = (...args) => run.api(...args);

beforeAll(async () => {
  run = await startCorpusRun(inject('stack'), answer);
}, 120_000);
afterAll(() => run?.stop());

describe("Conductor's corpus over Kafka (the rest), with generic workers", () => {
  it('do_while_set_variable_fix.json: value=2 -> COMPLETED, 2 tasks, the SET_VARIABLE input value "0"', async () => {
    const workflow = await ended(await start('do_while_Set_variable_fix', { value: 2 }));
    expect(workflow.status).toBe('COMPLETED');
    expect(workflow.tasks).toHaveLength(2);
    expect(workflow.tasks[1]?.inputData['value']).toBe('0');
  });

  it('do_while_sub_workflow_integration_test.json: loop=1 with sub_workflow as its child -> COMPLETED', async () => {
    const workflow = await ended(await start('Do_While_Sub_Workflow', { loop: 1 }));
    expect(workflow.status).toBe('COMPLETED');
    const sub = workflow.tasks.find((task) => task.taskType === 'SUB_WORKFLOW');
    expect((await read(sub?.subWorkflowId ?? '')).status).toBe('COMPLETED');
  });

  it('event_workflow_integration_test.json: EVENT completes at once with event_produced, then t1', async () => {
    const workflow = await ended(await start('test_event_workflow', {}));
    expect(workflow.status).toBe('COMPLETED');
    expect(workflow.tasks[0]).toMatchObject({
      taskType: 'EVENT',
      status: 'COMPLETED',
      outputData: { event_produced: 'conductor:test_event_workflow:wait0' },
    });
  });

  it('failure_workflow_for_terminate_task_workflow.json: its LAMBDA gives {result: {testvalue: true}} for a=1', async () => {
    const workflow = await ended(await start('failure_workflow', { a: 1 }));
    expect(workflow.status).toBe('COMPLETED');
    expect(workflow.tasks[0]?.outputData).toEqual({ result: { testvalue: true } });
  });

  it('sequential_json_jq_transform_integration_test.json: the second jq program comes from the first one output', async () => {
    const body = { name: 'n', nested: { a: [1, 2] } };
    const workflow = await ended(await start('sequential_json_jq_transform_wf', { body }));
    expect(workflow.status).toBe('COMPLETED');
    expect(workflow.tasks[1]?.outputData).toEqual({ result: body, resultList: [body] });
  });

  it('set_variable_workflow_integration_test.json: variables set, the WAIT completed by a signal, output has them', async () => {
    const id = await start('set_variable_workflow_integration_test', { var: 'v1' });
    await waitFor(async () => refs(await read(id)).join() === 'simple:COMPLETED,set_variable_1:COMPLETED,wait0:IN_PROGRESS');
    expect((await api('POST', `/api/tasks/${id}/wait0/COMPLETED`, {})).status).toBe(200);
    expect(await ended(id)).toMatchObject({ status: 'COMPLETED', output: { variables: { var: 'v1' } } });
  });

  it('simple_one_task_sub_workflow_integration_test.json: one task -> COMPLETED', async () => {
    expect((await ended(await start('sub_workflow', {}))).status).toBe('COMPLETED');
  });

  it('simple_workflow_1_input_template_integration_test.json: the inputTemplate fills param1..3', async () => {
    const workflow = await ended(await start('integration_test_template_wf', { param3: 'given' }));
    expect(workflow.status).toBe('COMPLETED');
    expect(workflow.output).toEqual({
      output: 't1.op',
      param1: { nested_object: { nested_key: 'nested_value' } },
      param2: ['list', 'of', 'strings'],
      param3: 'given',
    });
  });

  it('simple_workflow_with_optional_task_integration_test.json: the optional task fails twice -> COMPLETED_WITH_ERRORS, the workflow completes', async () => {
    const workflow = await ended(await start('optional_task_wf', { param1: 'p1', param2: 'p2' }));
    expect(refs(workflow)).toEqual(['t1:FAILED', 't1:COMPLETED_WITH_ERRORS', 't2:COMPLETED']);
    expect(workflow.status).toBe('COMPLETED');
  });

  it(
    'simple_workflow_with_resp_time_out_integration_test.json: task_rt unanswered -> TIMED_OUT after 10 s, retried, then completes',
    { timeout: 60_000 },
    async () => {
      const began = Date.now();
      const workflow = await ended(await start('RTOWF', { param1: 'p1', param2: 'p2' }), 40_000);
      expect(refs(workflow)).toEqual(['t1:TIMED_OUT', 't1:COMPLETED', 't2:COMPLETED']);
      expect(Date.now() - began).toBeGreaterThanOrEqual(10_000);
    },
  );

  it('switch_and_fork_join_integration_test.json: case=c -> FORK, SWITCH, t1, t10, JOIN, then t2, t20 -> COMPLETED', async () => {
    const workflow = await ended(await start('ForkConditionalTest', { case: 'c', param1: 'p1', param2: 'p2' }));
    expect(workflow.status).toBe('COMPLETED');
    expect(workflow.tasks.map((task) => task.referenceTaskName)).toEqual(['forkTask', 'switchTask', 't1', 't10', 'joinTask', 't2', 't20']);
  });

  it('switch_and_terminate_integration_test.json: case=two -> TERMINATE FAILED in the branch, t3 never scheduled', async () => {
    const workflow = await ended(await start('ConditionalTerminateWorkflow', { case: 'two', param1: 'p1', param2: 'p2' }));
    expect(workflow).toMatchObject({ status: 'FAILED', output: { output: 't1.op' } });
    expect(refs(workflow)).toEqual(['t1:COMPLETED', 'switch:COMPLETED', 'terminate0:COMPLETED']);
  });

  it('switch_with_no_default_case_integration_test.json: no case -> SWITCH COMPLETED, then t2 (2 tasks)', async () => {
    const workflow = await ended(await start('SwitchWithNoDefaultCaseWF', {}));
    expect(refs(workflow)).toEqual(['switchTask:COMPLETED', 't2:COMPLETED']);
  });

  it('wait_workflow_integration_test.json: WAIT until signalled by reference, then t1', async () => {
    const id = await start('test_wait_workflow', {});
    expect((await api('POST', `/api/tasks/${id}/wait0/COMPLETED`, { signal: 1 })).status).toBe(200);
    const workflow = await ended(id);
    expect(workflow.status).toBe('COMPLETED');
    expect(taskByRef(workflow, 'wait0').outputData).toEqual({ signal: 1 });
  });

  it(
    'FORK_JOIN_DYNAMIC of 1,000 SIMPLE branches over Kafka, registered with an empty joinOn: the JOIN waits for every branch, each applied once',
    { timeout: 240_000 },
    async () => {
      const branches = 1000;
      const fanOut = {
        name: 'fan_out_1000',
        version: 1,
        ownerEmail: 'test@waggle.dev',
        tasks: [
          {
            name: 'fan',
            taskReferenceName: 'fan',
            type: 'FORK_JOIN_DYNAMIC',
            dynamicForkTasksParam: 'legs',
            dynamicForkTasksInputParamName: 'inputs',
            inputParameters: { legs: '${workflow.input.legs}', inputs: '${workflow.input.inputs}' },
          },
          { name: 'join', taskReferenceName: 'join', type: 'JOIN', joinOn: [] },
          { name: 'integration_task_3', taskReferenceName: 'after', type: 'SIMPLE' },
        ],
      };
      const registered = await api('POST', '/api/metadata/workflow', fanOut);
      expect(registered.status, registered.text).toBe(200);
      const legs = Array.from({ length: branches }, (_, n) => ({
        name: 'integration_task_2',
        taskReferenceName: `leg${n}`,
        type: 'SIMPLE',
      }));
      const inputs = Object.fromEntries(legs.map((leg, n) => [leg.taskReferenceName, { n }]));
      const id = await start('fan_out_1000', { legs, inputs });
      // asked without its 1,003 tasks, once a second, so the test's own reads stay out of the way
      await waitFor(
        async () =>
          ['COMPLETED', 'FAILED'].includes((await api('GET', `/api/workflow/${id}?includeTasks=false`)).json<{ status: string }>().status),
        { timeoutMs: 200_000, intervalMs: 1_000, description: 'the fork of 1,000 branches to end' },
      );
      const workflow = await read(id);

      expect(workflow.status).toBe('COMPLETED');
      expect(workflow.tasks).toHaveLength(branches + 3);
      const join = taskByRef(workflow, 'join') as ReturnType<typeof taskByRef> & { endTime: number };
      expect(Object.keys(join.outputData)).toHaveLength(branches);
      const legTasks = workflow.tasks.filter((task) => task.referenceTaskName.startsWith('leg'));
      expect(legTasks.map((task) => task.inputData['n']).sort((a, b) => Number(a) - Number(b))).toEqual(legs.map((_, n) => n));
      // the step after the JOIN was scheduled only once every branch had ended
      const lastLeg = Math.max(...legTasks.map((task) => (task as typeof join).endTime));
      expect((taskByRef(workflow, 'after') as typeof join & { scheduledTime: number }).scheduledTime).toBeGreaterThanOrEqual(lastLeg);
      const counts = await countEffects(run.effects.store, ['integration_task_2']);
      for (const task of legTasks) expect(counts.get(`${task.taskId}:0`), task.referenceTaskName).toBe(1);
    },
  );

  it('a worker output over the limit (2 MB) fails its task cleanly for good and the execution ends FAILED, not RUNNING (Netflix/conductor#2323)', async () => {
    const definition = {
      name: 'big_output',
      version: 1,
      ownerEmail: 'test@waggle.dev',
      tasks: [
        { name: 'integration_task_4', taskReferenceName: 'big', type: 'SIMPLE', inputParameters: { bigOutput: '${workflow.input.size}' } },
      ],
    };
    expect((await api('POST', '/api/metadata/workflow', definition)).status).toBe(200);
    const workflow = await ended(await start('big_output', { size: 2 * 1024 * 1024 }));
    expect(workflow.status).toBe('FAILED');
    expect(taskByRef(workflow, 'big')).toMatchObject({ status: 'FAILED_WITH_TERMINAL_ERROR', retryCount: 0, outputData: {} });
    expect(workflow.reasonForIncompletion).toMatch(/the task output is 2097\d+ bytes, over the limit of 524288 bytes/);
  });

  it(
    'retry across three levels of sub-workflows over Kafka resumes the leaf from its failed step: from the root (resumeSubworkflowTasks) and from the leaf (the ancestors resume)',
    { timeout: 120_000 },
    async () => {
      const sub = (ref: string, name: string) => ({
        name: ref,
        taskReferenceName: ref,
        type: 'SUB_WORKFLOW',
        subWorkflowParam: { name, version: 1 },
      });
      const simple = (ref: string, name: string) => ({
        name,
        taskReferenceName: ref,
        type: 'SIMPLE',
        inputParameters: { n: '${workflow.input.n}' },
      });
      const defs = [
        {
          name: 'tree_leaf',
          version: 1,
          ownerEmail: 'test@waggle.dev',
          tasks: [simple('debit', 'integration_task_5'), simple('ship', 'integration_task_6')],
        },
        {
          name: 'tree_mid',
          version: 1,
          ownerEmail: 'test@waggle.dev',
          tasks: [simple('reserve', 'integration_task_7'), sub('leaf', 'tree_leaf')],
        },
        {
          name: 'tree_root',
          version: 1,
          ownerEmail: 'test@waggle.dev',
          tasks: [sub('mid', 'tree_mid'), simple('notify', 'integration_task_8')],
        },
      ];
      for (const definition of defs) expect((await api('POST', '/api/metadata/workflow', definition)).status).toBe(200);
      const children = async (rootId: string) => {
        const midId = taskByRef(await read(rootId), 'mid').subWorkflowId ?? '';
        return { midId, leafId: taskByRef(await read(midId), 'leaf').subWorkflowId ?? '' };
      };
      truckDown = true;
      const [fromRoot, fromLeaf] = [await start('tree_root', { n: 1 }), await start('tree_root', { n: 2 })];
      for (const id of [fromRoot, fromLeaf]) expect((await ended(id)).status).toBe('FAILED');
      const trees = [await children(fromRoot), await children(fromLeaf)];
      truckDown = false;

      expect((await api('POST', `/api/workflow/${fromRoot}/retry?resumeSubworkflowTasks=true`)).status).toBe(204);
      expect((await api('POST', `/api/workflow/${trees[1]?.leafId ?? ''}/retry`)).status).toBe(204);
      for (const [index, rootId] of [fromRoot, fromLeaf].entries()) {
        expect((await ended(rootId, 60_000)).status, rootId).toBe('COMPLETED');
        const tree = trees[index]!;
        expect(await children(rootId)).toEqual(tree); // the same children: resumed, not started anew
        for (const id of [tree.midId, tree.leafId]) expect((await read(id)).status, id).toBe('COMPLETED');
        expect(refs(await read(tree.leafId))).toEqual(['debit:COMPLETED', 'ship:FAILED_WITH_TERMINAL_ERROR', 'ship:COMPLETED']);
        expect(refs(await read(tree.midId))).toEqual(['reserve:COMPLETED', 'leaf:COMPLETED']);
      }
      // every completed step ran once: the effects the workers recorded
      const counts = await countEffects(run.effects.store, ['integration_task_5', 'integration_task_7', 'integration_task_8']);
      expect([...counts.values()].every((count) => count === 1)).toBe(true);
      expect(counts.size).toBe(6);
    },
  );
});
