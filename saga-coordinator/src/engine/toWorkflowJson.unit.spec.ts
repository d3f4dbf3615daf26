import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusFiles, corpusTaskDefs, readCorpusDef, readCorpusSchema } from './corpus/conductorCorpus.ts';
import { createScriptSandbox } from './createScriptSandbox.ts';
import type { ScriptSandbox } from './createScriptSandbox.ts';
import { createInMemoryEngine } from './inMemoryEngine.ts';
import { toWorkflowJson } from './toWorkflowJson.ts';
import type { WorkflowDef } from './workflowDef.ts';

let sandbox: ScriptSandbox;
beforeAll(async () => {
  sandbox = await createScriptSandbox();
});
afterAll(() => sandbox.close());

const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isSafeInteger(value) });
ajv.addFormat('email', /^[^@\s]+@[^@\s]+$/);
const validateWorkflow = ajv.compile(readCorpusSchema('Workflow'));
const validateTask = ajv.compile(readCorpusSchema('Task'));
const validateDef = ajv.compile(readCorpusSchema('WorkflowDef'));

const definitions = corpusFiles().map(readCorpusDef);

describe("an execution as Conductor's Workflow JSON", () => {
  it.each(corpusFiles())("%s, run, matches Conductor's Workflow, Task and WorkflowDef schemas", (file) => {
    const engine = createInMemoryEngine({ scripts: sandbox, definitions, taskDefs: corpusTaskDefs });
    engine.start('w', readCorpusDef(file), { loop: 1, case: 'c', a: 1, value: 1, subwf: 'sub_workflow', body: { x: 1 } });
    engine.advance(60_000);
    const json = toWorkflowJson(engine.execution('w'));
    expect(validateWorkflow(json), JSON.stringify(validateWorkflow.errors)).toBe(true);
    for (const task of json['tasks'] as object[]) expect(validateTask(task), JSON.stringify(validateTask.errors)).toBe(true);
    expect(validateDef(json['workflowDefinition']), JSON.stringify(validateDef.errors)).toBe(true);
  });

  it("keeps Conductor's status while compensating and shows the compensation status", () => {
    const wf: WorkflowDef = {
      name: 'comp',
      tasks: [
        { name: 'hold', taskReferenceName: 'hold', compensation: { name: 'release', taskReferenceName: 'release' } },
        { name: 'pay', taskReferenceName: 'pay' },
      ],
    };
    const engine = createInMemoryEngine({
      scripts: sandbox,
      worker: (task) =>
        task.taskType === 'pay'
          ? { status: 'FAILED_WITH_TERMINAL_ERROR' }
          : task.taskType === 'release'
            ? undefined
            : { status: 'COMPLETED' },
    });
    engine.start('w', wf);
    const compensating = toWorkflowJson(engine.execution('w'));
    expect(compensating).toMatchObject({ status: 'RUNNING', compensationStatus: 'COMPENSATING' });
    expect(validateWorkflow(compensating)).toBe(true);
    const release = engine.execution('w').tasks.find((task) => task.ref === 'release');
    engine.send('w', { type: 'ReportTaskResult', result: { taskId: release?.taskId ?? '', status: 'COMPLETED' } });
    expect(toWorkflowJson(engine.execution('w'))).toMatchObject({ status: 'FAILED', compensationStatus: 'COMPENSATED' });
  });

  it('leaves the tasks out when asked', () => {
    const engine = createInMemoryEngine({ scripts: sandbox, definitions, taskDefs: corpusTaskDefs });
    engine.start('w', readCorpusDef('wait_workflow_integration_test.json'));
    expect(toWorkflowJson(engine.execution('w'), { includeTasks: false })).toMatchObject({
      tasks: [],
      status: 'RUNNING',
      workflowName: 'test_wait_workflow',
      workflowVersion: 1,
    });
  });
});
