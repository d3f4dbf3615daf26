import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { corpusFiles, readCorpusDef, readCorpusSchema } from '../engine/corpus/conductorCorpus.ts';
import { refs, taskByRef } from './testing/conductorClient.ts';
import { corpusTaskTypes, startCorpusRun } from './testing/corpusRun.ts';
import { countEffects, echo } from './testing/startTestCoordinator.ts';
import { waitFor } from '@waggle/testing';

let run: Awaited<ReturnType<typeof startCorpusRun>>;
const api: typeof run.api = (...args) => run.api(...args);
const start: typeof run.start = (...args) => run.start(...args);
const ended: typeof run.ended = (...args) => run.ended(...args);
const read: typeof run.workflow = (...args) => run.workflow(...args);

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isSafeInteger(value) });
ajv.addFormat('email', /^[^@\s]+@[^@\s]+$/);
const validateWorkflow = ajv.compile(readCorpusSchema('Workflow'));
const validateTask = ajv.compile(readCorpusSchema('Task'));

beforeAll(async () => {
  run = await startCorpusRun(inject('stack'), echo);
}, 120_000);
afterAll(() => run?.stop());

describe("Conductor's corpus over Kafka, with generic workers", () => {
  it('every definition is registered and listed', async () => {
    const names = (await api('GET', '/api/metadata/workflow')).json<{ name: string }[]>().map((def) => def.name);
    expect(names).toHaveLength(corpusFiles().length);
  });

  it('simple_workflow_1_integration_test.json: t1 then t2 run once each over Kafka, outputs o1..o3, valid Workflow JSON', async () => {
    const id = await start('integration_test_wf', { param1: 'p1', param2: 'p2' });
    const workflow = await ended(id);
    expect(workflow.status).toBe('COMPLETED');
    const t1 = taskByRef(workflow, 't1');
    const t2 = taskByRef(workflow, 't2');
    expect(t1.inputData).toEqual({ p1: 'p1', p2: 'p2', p3: t1.taskId, someNullKey: null });
    expect(workflow.output).toEqual({ o1: 'p1', o2: t2.taskId, o3: 't1.op' });
    expect(validateWorkflow(workflow), JSON.stringify(validateWorkflow.errors)).toBe(true);
    for (const task of workflow.tasks) expect(validateTask(task), JSON.stringify(validateTask.errors)).toBe(true);
    const effects = await countEffects(run.effects.store, corpusTaskTypes);
    expect([effects.get(`${t1.taskId}:0`), effects.get(`${t2.taskId}:0`)]).toEqual([1, 1]);
  });

  it.each(['simple_decision_task_integration_test.json', 'simple_switch_task_integration_test.json'])(
    '%s: case=c -> the case tasks then t20, 4 tasks, COMPLETED',
    async (file) => {
      const workflow = await ended(await start(readCorpusDef(file).name, { case: 'c', param1: 'p1', param2: 'p2' }));
      expect(workflow.status).toBe('COMPLETED');
      expect(workflow.tasks.map((t) => t.referenceTaskName)).toEqual([
        file.includes('decision') ? 'decisionTask' : 'switchTask',
        't1',
        't2',
        't20',
      ]);
    },
  );

  it('fork_join_integration_test.json: both branches, the JOIN with t3 and t2, then t4', async () => {
    const workflow = await ended(await start('FanInOutTest', { param1: 'p1', param2: 'p2' }));
    expect(workflow.status).toBe('COMPLETED');
    expect(taskByRef(workflow, 'fanouttask_join').outputData).toEqual({
      t3: { op: 't3.op', uuid: taskByRef(workflow, 't3').taskId },
      t2: { op: 't2.op', uuid: taskByRef(workflow, 't2').taskId },
    });
  });

  it('workflow_with_sub_workflow_1_integration_test.json: the child sub_workflow runs over Kafka and the parent completes', async () => {
    const workflow = await ended(await start('integration_test_wf_with_sub_wf', { subwf: 'sub_workflow', param1: 'p1', param2: 'p2' }));
    expect(workflow.status).toBe('COMPLETED');
    const sub = workflow.tasks.find((t) => t.taskType === 'SUB_WORKFLOW');
    expect(sub?.status).toBe('COMPLETED');
    expect(await read(sub?.subWorkflowId ?? '')).toMatchObject({
      status: 'COMPLETED',
      parentWorkflowId: workflow.workflowId,
    });
  });

  it('do_while_integration_test.json: loop=2 counts two iterations', async () => {
    const workflow = await ended(await start('Do_While_Workflow', { loop: 2 }));
    expect(workflow.status).toBe('COMPLETED');
    expect(workflow.tasks[0]?.outputData['iteration']).toBe(2);
  });

  it('terminate_task_failed_workflow_integration.json: a=1 -> FAILED "Early exit in terminate", its failure_workflow COMPLETED', async () => {
    const workflow = await ended(await start('test_terminate_task_failed_wf', { a: 1 }));
    expect(workflow).toMatchObject({ status: 'FAILED', reasonForIncompletion: 'Early exit in terminate' });
    expect(refs(workflow)).toEqual(['lambda0:COMPLETED', 'terminate0:COMPLETED']);
    const failureId = String(workflow.output['conductor.failure_workflow']);
    const failure = await ended(failureId);
    expect(failure).toMatchObject({ status: 'COMPLETED', input: { workflowId: workflow.workflowId } });
  });

  it('simple_wait_task_workflow_integration_test.json: the WAIT times out after 2 s on a durable timer and is retried; completing it by ref runs t1', async () => {
    const id = await start('test_wait_timeout', {});
    await waitFor(async () => refs(await read(id)).join() === 'wait0:TIMED_OUT,wait0:SCHEDULED', {
      timeoutMs: 10_000,
      description: 'the WAIT to time out and be retried',
    });
    expect((await api('POST', `/api/tasks/${id}/wait0/COMPLETED`, {})).status).toBe(200);
    const workflow = await ended(id);
    expect(refs(workflow)).toEqual(['wait0:TIMED_OUT', 'wait0:COMPLETED', 't1:COMPLETED']);
  });
});
