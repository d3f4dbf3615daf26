import { Ajv } from 'ajv';
import { createServer, type Server } from 'node:http';
import { openMongoEventStore } from '@waggle/event-store';
import { freePort, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readCorpusSchema } from '../engine/corpus/conductorCorpus.ts';
import type { WorkflowDef } from '../engine/workflowDef.ts';
import type { RunningCoordinator } from './startCoordinator.ts';
import { conductorClient, refs, taskByRef, type TaskJson } from './testing/conductorClient.ts';
import { startTestCoordinator, testCoordinatorConfig } from './testing/startTestCoordinator.ts';

const stack = inject('stack');
let coordinator: RunningCoordinator;
const database = uniqueName('saga-api');
const { api, start, ended, workflow: read } = conductorClient(() => coordinator.url);
const ajv = new Ajv({ allErrors: true, strict: false });
ajv.addFormat('int64', { type: 'number', validate: (value: number) => Number.isSafeInteger(value) });
ajv.addFormat('email', /^[^@\s]+@[^@\s]+$/);
const validateTask = ajv.compile(readCorpusSchema('Task'));
const validateWorkflowDef = ajv.compile(readCorpusSchema('WorkflowDef'));
const validateWorkflow = ajv.compile(readCorpusSchema('Workflow'));

// polled over HTTP only: no Kafka worker serves this type
const taskType = uniqueName('polled').replace(/-/g, '_');
const twoSteps = (name: string): WorkflowDef => ({
  name,
  version: 1,
  ownerEmail: 'test@waggle.dev',
  tasks: [
    { name: taskType, taskReferenceName: 'first', type: 'SIMPLE', inputParameters: { x: '${workflow.input.x}' } },
    { name: taskType, taskReferenceName: 'second', type: 'SIMPLE', inputParameters: { y: '${first.output.y}' } },
  ],
  outputParameters: { y: '${second.output.y}' },
});

const poll = async (count = 1): Promise<TaskJson[]> => {
  const answer = await api('GET', `/api/tasks/poll/batch/${taskType}?count=${count}&timeout=2000&workerid=w1`);
  expect(answer.status, answer.text).toBe(200);
  return answer.json<TaskJson[]>();
};
const complete = async (task: TaskJson & { workflowInstanceId?: string }, outputData: Record<string, unknown>, status = 'COMPLETED') => {
  const answer = await api('POST', '/api/tasks', {
    workflowInstanceId: task.workflowInstanceId,
    taskId: task.taskId,
    status,
    outputData,
    workerId: 'w1',
  });
  expect(answer.status, answer.text).toBe(200);
  expect(answer.text).toBe(task.taskId);
};
const pollFor = async (workflowId: string): Promise<TaskJson & { workflowInstanceId?: string }> =>
  waitFor(async () => (await poll(10)).find((t) => (t as { workflowInstanceId?: string }).workflowInstanceId === workflowId), {
    description: `a task of ${workflowId}`,
  });

let echoServer: Server;
let echoPort = 0;

beforeAll(async () => {
  echoPort = await freePort();
  // the one host HTTP tasks may reach: it answers the method, path and body it got
  echoServer = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, path: req.url, got: body === '' ? null : (JSON.parse(body) as unknown) }));
    });
  });
  await new Promise<void>((resolve) => echoServer.listen(echoPort, '127.0.0.1', resolve));
  coordinator = await startTestCoordinator(
    testCoordinatorConfig(stack, { prefix: uniqueName('saga'), database }, { SAGA_HTTP_ALLOWED_HOSTS: `127.0.0.1:${echoPort}` }),
  );
  expect((await api('POST', '/api/metadata/taskdefs', [{ name: taskType, retryCount: 0, responseTimeoutSeconds: 600 }])).status).toBe(200);
  for (const name of ['two_steps', 'idem', 'idem_fail', 'idem_running'])
    expect((await api('POST', '/api/metadata/workflow', twoSteps(name))).status).toBe(200);
}, 60_000);
afterAll(async () => {
  await coordinator?.stop();
  echoServer?.close();
});

describe("the coordinator's Conductor API", () => {
  it('registers a definition once (409 the second time, overwrite=true updates) and serves it as a valid WorkflowDef', async () => {
    expect((await api('POST', '/api/metadata/workflow', twoSteps('two_steps'))).status).toBe(409);
    expect((await api('POST', '/api/metadata/workflow?overwrite=true', { ...twoSteps('two_steps'), description: 'v1 again' })).status).toBe(
      200,
    );
    const def = (await api('GET', '/api/metadata/workflow/two_steps')).json<Record<string, unknown>>();
    expect(def).toMatchObject({ name: 'two_steps', version: 1, description: 'v1 again' });
    expect(validateWorkflowDef(def), JSON.stringify(validateWorkflowDef.errors)).toBe(true);
    expect((await api('GET', '/api/metadata/workflow/nope')).status).toBe(404);
  });

  it("gives a task def without responseTimeoutSeconds Conductor's default of 3600 s (one with a shorter task timeout keeps none)", async () => {
    const bare = uniqueName('bare');
    const bounded = uniqueName('bounded');
    const registered = await api('POST', '/api/metadata/taskdefs', [
      { name: bare, retryCount: 0 },
      { name: bounded, retryCount: 0, timeoutSeconds: 60 },
    ]);
    expect(registered.status).toBe(200);
    expect((await api('GET', `/api/metadata/taskdefs/${bare}`)).json<Record<string, unknown>>()).toMatchObject({
      responseTimeoutSeconds: 3600,
    });
    expect((await api('GET', `/api/metadata/taskdefs/${bounded}`)).json<Record<string, unknown>>()).not.toHaveProperty(
      'responseTimeoutSeconds',
    );
  });

  it('refuses an invalid definition with problem details that also carry Conductor validationErrors with JSON paths', async () => {
    const answer = await api('POST', '/api/metadata/workflow/validate', {
      name: 'bad',
      tasks: [
        { name: 'a', taskReferenceName: 'dup', type: 'SIMPLE' },
        { name: 'b', taskReferenceName: 'dup', type: 'NOT_A_TYPE' },
      ],
    });
    expect(answer.status).toBe(400);
    const body = answer.json<{ type: string; status: number; message: string; validationErrors: { path: string; message: string }[] }>();
    expect(body.status).toBe(400);
    expect(body.type).toContain('validation');
    expect(body.validationErrors.map((e) => e.path)).toEqual(expect.arrayContaining(['$.tasks[1].type']));
    expect(body.message).toContain('Validation failed');
  });

  it('runs a definition with a worker polling over HTTP, Task JSON valid against Conductor schema', async () => {
    const id = await start('two_steps', { x: 1 });
    const first = await pollFor(id);
    expect(validateTask(first), JSON.stringify(validateTask.errors)).toBe(true);
    expect(first).toMatchObject({ referenceTaskName: 'first', status: 'IN_PROGRESS', inputData: { x: 1 }, workerId: 'w1' });
    await complete(first, { y: 'from first' });
    const second = await pollFor(id);
    expect(second.inputData).toEqual({ y: 'from first' });
    await complete(second, { y: 'done' });
    expect(await ended(id)).toMatchObject({ status: 'COMPLETED', output: { y: 'done' } });
  });

  it("answers Conductor's 500 for resuming a running execution as 409 with its message, and 404 for an unknown id", async () => {
    const id = await start('two_steps', { x: 2 });
    const resume = await api('PUT', `/api/workflow/${id}/resume`);
    expect(resume.status).toBe(409);
    expect(resume.json<{ message: string }>().message).toBe(`The workflow ${id} is not PAUSED so cannot resume. Current status is RUNNING`);
    expect((await api('PUT', `/api/workflow/${id}/pause`)).status).toBe(200);
    expect((await read(id)).status).toBe('PAUSED');
    expect((await api('PUT', `/api/workflow/${id}/resume`)).status).toBe(200);
    expect((await api('DELETE', `/api/workflow/${id}?reason=enough`)).status).toBe(200);
    expect(await read(id)).toMatchObject({ status: 'TERMINATED', reasonForIncompletion: 'enough' });
    const missing = await api('GET', '/api/workflow/no-such-id');
    expect(missing.status).toBe(404);
    expect(missing.json<{ message: string }>().message).toBe('No such workflow found by id: no-such-id');
  });

  it('retries a failed execution from its failed task (204), and the execution completes', async () => {
    const id = await start('two_steps', { x: 3 });
    await complete(await pollFor(id), { y: 1 });
    await complete(await pollFor(id), {}, 'FAILED_WITH_TERMINAL_ERROR');
    expect((await ended(id)).status).toBe('FAILED');
    expect((await api('POST', `/api/workflow/${id}/retry`)).status).toBe(204);
    const retried = await pollFor(id);
    expect(retried).toMatchObject({ referenceTaskName: 'second', retryCount: 1 });
    await complete(retried, { y: 'second try' });
    const workflow = await ended(id);
    expect(refs(workflow)).toEqual(['first:COMPLETED', 'second:FAILED_WITH_TERMINAL_ERROR', 'second:COMPLETED']);
    expect((await api('POST', `/api/workflow/${id}/retry`)).status).toBe(409);
  });

  it('RETURN_EXISTING: 12 concurrent starts with one key make one execution and all answer its id', async () => {
    const request = { name: 'idem', input: { x: 1 }, idempotencyKey: 'order-1', idempotencyStrategy: 'RETURN_EXISTING' };
    const answers = await Promise.all(Array.from({ length: 12 }, () => api('POST', '/api/workflow', request)));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    expect(new Set(answers.map((a) => a.text)).size).toBe(1);
    const found = await api('GET', '/api/workflow/search?query=workflowType%20IN%20(idem)&freeText=*');
    expect(found.json<{ totalHits: number }>().totalHits).toBe(1);
  });

  it('FAIL: of 12 concurrent starts with one key exactly one is started, the others get 409', async () => {
    const request = { name: 'idem_fail', idempotencyKey: 'order-2', idempotencyStrategy: 'FAIL' };
    const answers = await Promise.all(Array.from({ length: 12 }, () => api('POST', '/api/workflow', request)));
    expect(answers.map((a) => a.status).sort()).toEqual([200, ...Array<number>(11).fill(409)]);
    expect((await api('GET', '/api/workflow/search?query=workflowType%20IN%20(idem_fail)')).json<{ totalHits: number }>().totalHits).toBe(
      1,
    );
  });

  it('FAIL_ON_RUNNING: refused while the key runs, a new execution once it ended', async () => {
    const request = { name: 'idem_running', idempotencyKey: 'order-3', idempotencyStrategy: 'FAIL_ON_RUNNING' };
    const first = await api('POST', '/api/workflow', request);
    expect(first.status).toBe(200);
    expect((await api('POST', '/api/workflow', request)).status).toBe(409);
    expect((await api('DELETE', `/api/workflow/${first.text}`)).status).toBe(200);
    const second = await api('POST', '/api/workflow', request);
    expect(second.status).toBe(200);
    expect(second.text).not.toBe(first.text);
  });

  it("searches with Conductor's query syntax and sort, answering WorkflowSummary rows", async () => {
    const found = await api(
      'GET',
      '/api/workflow/search?query=workflowType%20IN%20(two_steps)%20AND%20status%20IN%20(COMPLETED,TERMINATED)&sort=startTime:DESC&size=10',
    );
    const body = found.json<{ totalHits: number; results: { status: string; startTime: string; workflowType: string }[] }>();
    expect(body.totalHits).toBeGreaterThanOrEqual(3);
    expect(new Set(body.results.map((r) => r.status))).toEqual(new Set(['COMPLETED', 'TERMINATED']));
    expect(body.results.map((r) => r.startTime)).toEqual([...body.results.map((r) => r.startTime)].sort().reverse());
    expect((await api('GET', '/api/workflow/search?query=nonsense%3D1')).status).toBe(400);
  });

  it('search-v2 answers whole Workflow JSON; task search answers TaskSummary (search-v2: Task) rows of the executions chosen', async () => {
    const id = await start('two_steps', { x: 42 });
    await complete(await pollFor(id), { y: 1 });
    const second = await pollFor(id);
    await complete(second, {}, 'FAILED');
    expect((await ended(id)).status).toBe('FAILED');

    const v2 = await api('GET', `/api/workflow/search-v2?query=${encodeURIComponent(`workflowId="${id}"`)}`);
    expect(v2.status, v2.text).toBe(200);
    const workflows = v2.json<{ totalHits: number; results: (Record<string, unknown> & { tasks: unknown[] })[] }>();
    expect(workflows.totalHits).toBe(1);
    expect(validateWorkflow(workflows.results[0]), JSON.stringify(validateWorkflow.errors)).toBe(true);
    expect(workflows.results[0]?.tasks).toHaveLength(2);

    const query = encodeURIComponent(`workflowId="${id}" AND taskType=${taskType} AND status IN (FAILED)`);
    const tasks = await api('GET', `/api/tasks/search?query=${query}`);
    expect(tasks.status, tasks.text).toBe(200);
    const summaries = tasks.json<{ totalHits: number; results: Record<string, unknown>[] }>();
    expect(summaries.totalHits).toBe(1);
    expect(summaries.results[0]).toMatchObject({
      taskId: second.taskId,
      workflowId: id,
      status: 'FAILED',
      taskType,
      workflowType: 'two_steps',
    });
    expect(typeof summaries.results[0]?.['queueWaitTime']).toBe('number');
    expect(summaries.results[0]?.['input']).toBe(JSON.stringify({ y: 1 }));

    const byRef = await api('GET', `/api/tasks/search-v2?query=${encodeURIComponent(`workflowId="${id}"`)}&sort=seq:DESC`);
    const full = byRef.json<{ totalHits: number; results: Record<string, unknown>[] }>();
    expect(full.results.map((task) => task['referenceTaskName'])).toEqual(['second', 'first']);
    for (const task of full.results) expect(validateTask(task), JSON.stringify(validateTask.errors)).toBe(true);
    expect((await api('GET', '/api/tasks/search?query=version%3D1')).status).toBe(400);
  });

  it('removes an ended execution (404 after, gone from search, its history kept); refuses a running one; terminate-remove ends it first', async () => {
    const running = await start('two_steps', { x: 7 });
    const refused = await api('DELETE', `/api/workflow/${running}/remove`);
    expect(refused.status).toBe(409);
    expect(refused.json<{ message: string }>().message).toMatch(/terminate it before removing it, or use terminate-remove/);
    expect((await api('DELETE', `/api/workflow/${running}/remove?archiveWorkflow=false`)).status).toBe(400);

    const ended = await start('two_steps', { x: 8 });
    expect((await api('DELETE', `/api/workflow/${ended}?reason=done`)).status).toBe(200);
    expect((await api('DELETE', `/api/workflow/${ended}/remove?reason=test%20data`)).status).toBe(200);
    expect((await api('DELETE', `/api/workflow/${running}/terminate-remove?reason=abandoned`)).status).toBe(200);
    for (const id of [running, ended]) {
      expect((await api('GET', `/api/workflow/${id}`)).status).toBe(404);
      const found = await api('GET', `/api/workflow/search?query=${encodeURIComponent(`workflowId="${id}"`)}`);
      expect(found.json<{ totalHits: number }>().totalHits).toBe(0);
      expect((await api('DELETE', `/api/workflow/${id}/remove`)).status).toBe(404);
    }
    // the history stays, with who removed it and why; the running one was terminated first
    const opened = await openMongoEventStore({ url: inject('stack').mongoUrl, database });
    try {
      const history = (await opened.store.readStream(running)).events;
      expect(history.map((event) => event.type)).toEqual(expect.arrayContaining(['WorkflowEnded', 'WorkflowRemoved']));
      expect(history.find((event) => event.type === 'WorkflowEnded')?.data).toMatchObject({
        status: 'TERMINATED',
        reasonForIncompletion: 'abandoned',
      });
      expect(history.find((event) => event.type === 'OperatorActionRecorded')?.data).toMatchObject({
        action: 'RemoveWorkflow',
        reason: 'abandoned',
      });
    } finally {
      await opened.close();
    }
    // a result for a task of a removed execution is taken and changes nothing
    expect((await api('POST', `/api/tasks/${running}/first/COMPLETED`, { y: 1 })).status).toBeLessThan(500);
    expect((await api('GET', `/api/workflow/${running}`)).status).toBe(404);

    const [one, two] = [await start('two_steps', { x: 9 }), await start('two_steps', { x: 10 })];
    expect((await api('DELETE', `/api/workflow/${one}`)).status).toBe(200);
    const bulk = await api('DELETE', '/api/workflow/bulk/remove', [one, two]);
    expect(bulk.json<{ bulkSuccessfulResults: string[]; bulkErrorResults: Record<string, string> }>()).toMatchObject({
      bulkSuccessfulResults: [one],
      bulkErrorResults: { [two]: expect.stringMatching(/terminate it before removing it/) as unknown },
    });
    const both = await api('DELETE', '/api/workflow/bulk/terminate-remove?reason=cleanup', [two]);
    expect(both.json<{ bulkSuccessfulResults: string[] }>().bulkSuccessfulResults).toEqual([two]);
    expect((await api('GET', `/api/workflow/${two}`)).status).toBe(404);
  });

  it('an HTTP worker output over the limit fails the task cleanly (200, then FAILED); a body over 4 MB is refused with 413', async () => {
    const id = await start('two_steps', { x: 11 });
    const task = await pollFor(id);
    await complete(task, { blob: 'x'.repeat(600 * 1024) });
    const workflow = await ended(id);
    expect(workflow.status).toBe('FAILED');
    expect(taskByRef(workflow, 'first')).toMatchObject({ status: 'FAILED_WITH_TERMINAL_ERROR', outputData: {} });
    expect(workflow.reasonForIncompletion).toMatch(/over the limit of 524288 bytes/);
    const huge = await api('POST', '/api/tasks', {
      workflowInstanceId: id,
      taskId: task.taskId,
      status: 'COMPLETED',
      outputData: { blob: 'x'.repeat(5 * 1024 * 1024) },
    });
    expect(huge.status).toBe(413);
  });

  it("bulk actions answer Conductor's BulkResponse: each id applied on its own, an unknown one listed with its reason", async () => {
    const [one, two] = [await start('two_steps', { x: 5 }), await start('two_steps', { x: 6 })];
    const paused = await api('PUT', '/api/workflow/bulk/pause', [one, two, 'no-such-id']);
    expect(paused.status).toBe(200);
    const body = paused.json<{ bulkSuccessfulResults: string[]; bulkErrorResults: Record<string, string> }>();
    expect(body.bulkSuccessfulResults.sort()).toEqual([one, two].sort());
    expect(body.bulkErrorResults).toEqual({ 'no-such-id': 'No such workflow found by id: no-such-id' });
    expect((await read(one)).status).toBe('PAUSED');
    const terminated = (await api('POST', '/api/workflow/bulk/terminate?reason=bulk', [one, two])).json<{
      bulkSuccessfulResults: string[];
    }>();
    expect(terminated.bulkSuccessfulResults).toHaveLength(2);
    expect(await read(two)).toMatchObject({ status: 'TERMINATED', reasonForIncompletion: 'bulk' });
    expect((await api('PUT', '/api/workflow/bulk/pause', [])).status).toBe(400);
    const latest = (await api('GET', '/api/metadata/workflow/latest-versions')).json<{ name: string }[]>();
    expect(latest.map((def) => def.name).sort()).toEqual(['idem', 'idem_fail', 'idem_running', 'two_steps']);
  });

  it('runs HTTP tasks against allowed hosts only: the response is the output, another host fails the task for good', async () => {
    const http = (ref: string, uri: string, body?: unknown): WorkflowDef['tasks'][number] => ({
      name: ref,
      taskReferenceName: ref,
      type: 'HTTP',
      inputParameters: { http_request: { uri, method: 'POST', ...(body === undefined ? {} : { body }) } },
    });
    const def = (name: string, tasks: WorkflowDef['tasks']): WorkflowDef => ({
      name,
      version: 1,
      tasks,
      outputParameters: { got: '${call.output.response.body.got}' },
    });
    expect(
      (
        await api(
          'POST',
          '/api/metadata/workflow',
          def('http_ok', [http('call', `http://127.0.0.1:${echoPort}/orders`, { id: '${workflow.input.id}' })]),
        )
      ).status,
    ).toBe(200);
    expect(
      (await api('POST', '/api/metadata/workflow', def('http_denied', [http('call', 'http://169.254.169.254/latest/meta-data')]))).status,
    ).toBe(200);
    const ok = await ended(await start('http_ok', { id: 'o-1' }));
    expect(ok).toMatchObject({ status: 'COMPLETED', output: { got: { id: 'o-1' } } });
    expect(ok.tasks[0]?.outputData).toMatchObject({ response: { statusCode: 200, body: { method: 'POST', path: '/orders' } } });
    const denied = await ended(await start('http_denied', {}));
    expect(denied.status).toBe('FAILED');
    expect(denied.tasks[0]).toMatchObject({ status: 'FAILED_WITH_TERMINAL_ERROR' });
    expect(denied.reasonForIncompletion).toContain('169.254.169.254 is not in SAGA_HTTP_ALLOWED_HOSTS');
  });

  it('keeps a signal that comes before its WAIT is scheduled and applies it then (Conductor drops it: Netflix/conductor#1640)', async () => {
    const early: WorkflowDef = {
      name: 'early_signal',
      version: 1,
      tasks: [
        { name: taskType, taskReferenceName: 'first', type: 'SIMPLE' },
        { name: 'gate', taskReferenceName: 'gate', type: 'WAIT' },
      ],
    };
    expect((await api('POST', '/api/metadata/workflow', early)).status).toBe(200);
    const id = await start('early_signal', {});
    const signal = await api('POST', `/api/tasks/${id}/gate/COMPLETED`, { approved: true });
    expect(signal.status).toBe(200);
    // no task has that reference yet: the id is empty, as Conductor answers, but the result is kept
    expect(signal.text).toBe('');
    await complete(await pollFor(id), {});
    const workflow = await ended(id);
    expect(refs(workflow)).toEqual(['first:COMPLETED', 'gate:COMPLETED']);
    expect(workflow.tasks[1]?.outputData).toEqual({ approved: true });
  });

  it('lists the executions of a definition by correlation id, running ones unless includeClosed=true', async () => {
    const open = await start('two_steps', { x: 7 });
    const answer = await api('POST', '/api/workflow/two_steps?correlationId=corr-7', { x: 8 });
    expect(answer.status).toBe(200);
    expect((await api('DELETE', `/api/workflow/${answer.text}`)).status).toBe(200);
    const running = await api('POST', '/api/workflow/two_steps?correlationId=corr-7', { x: 9 });
    const listed = (await api('GET', '/api/workflow/two_steps/correlated/corr-7')).json<{ workflowId: string }[]>();
    expect(listed.map((w) => w.workflowId)).toEqual([running.text]);
    const all = (await api('GET', '/api/workflow/two_steps/correlated/corr-7?includeClosed=true')).json<{ workflowId: string }[]>();
    expect(all.map((w) => w.workflowId)).toEqual([answer.text, running.text]);
    expect(all.map((w) => w.workflowId)).not.toContain(open);
  });

  it('serves its OpenAPI document', async () => {
    const paths = Object.keys((await api('GET', '/openapi.json')).json<{ paths: Record<string, unknown> }>().paths);
    expect(paths).toEqual(
      expect.arrayContaining(['/api/workflow', '/api/metadata/workflow', '/api/tasks/poll/batch/{taskType}', '/api/tasks/update-v2']),
    );
  });
});
