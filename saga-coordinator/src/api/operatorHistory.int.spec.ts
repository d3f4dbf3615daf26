import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { OperatorActionRecord } from '../engine/execution.ts';
import type { RunningCoordinator } from '../service/startCoordinator.ts';
import { conductorClient, type WorkflowJson } from '../service/testing/conductorClient.ts';
import { startTestCoordinator, testCoordinatorConfig } from '../service/testing/startTestCoordinator.ts';

// every operator action over REST lands in the execution's history with who asked, when and why
const stack = inject('stack');
let coordinator: RunningCoordinator;
const { api, workflow } = conductorClient(() => coordinator.url);
const name = uniqueName('audited');

const send = async (method: string, path: string, operator?: string, body?: unknown) => {
  const response = await fetch(`${coordinator.url}${path}`, {
    method,
    headers: {
      ...(operator === undefined ? {} : { 'X-Waggle-Operator': encodeURIComponent(operator) }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
};
const actionsOf = async (id: string) =>
  ((await workflow(id)) as WorkflowJson & { operatorActions?: OperatorActionRecord[] }).operatorActions ?? [];
const startWaiting = async (): Promise<string> => {
  const started = await api('POST', '/api/workflow', { name, input: {} });
  expect(started.status, started.text).toBe(200);
  await waitFor(async () => (await workflow(started.text)).tasks.some((t) => t.status === 'IN_PROGRESS'), { description: 'the WAIT' });
  return started.text;
};

beforeAll(async () => {
  coordinator = await startTestCoordinator(
    testCoordinatorConfig(stack, { prefix: uniqueName('saga'), database: uniqueName('saga-audit') }),
  );
  const registered = await api('POST', '/api/metadata/workflow', {
    name,
    version: 1,
    ownerEmail: 'test@waggle.dev',
    tasks: [
      { name: 'wait', taskReferenceName: 'wait', type: 'WAIT' },
      { name: 'note', taskReferenceName: 'note', type: 'SET_VARIABLE', inputParameters: { noted: true } },
    ],
  });
  expect(registered.status, registered.text).toBe(200);
}, 60_000);
afterAll(async () => {
  await coordinator?.stop();
});

describe('operator actions over REST', () => {
  it('given a running execution: pause, resume, skip, terminate, restart and rerun each record who, when and why', async () => {
    const id = await startWaiting();
    const before = Date.now();
    expect((await send('PUT', `/api/workflow/${id}/pause?reason=${encodeURIComponent('fare table reload')}`, 'Ana Ström')).status).toBe(
      200,
    );
    // no header: the record says only where the request came from
    expect((await send('PUT', `/api/workflow/${id}/resume`)).status).toBe(200);
    expect((await send('PUT', `/api/workflow/${id}/skiptask/note?reason=not+needed`, 'ana', {})).status).toBe(200);
    expect((await send('DELETE', `/api/workflow/${id}?reason=${encodeURIComponent('customer called')}&compensate=true`, 'bo')).status).toBe(
      200,
    );
    expect((await send('POST', `/api/workflow/${id}/restart?reason=again`, 'cy')).status).toBe(204);
    await waitFor(async () => (await workflow(id)).tasks.some((t) => t.status === 'IN_PROGRESS'), { description: 'the WAIT again' });
    expect((await send('DELETE', `/api/workflow/${id}`, 'cy')).status).toBe(200);
    const waitTask = (await workflow(id)).tasks[0]?.taskId;
    expect((await send('POST', `/api/workflow/${id}/rerun?reason=from+the+wait`, 'dee', { reRunFromTaskId: waitTask })).status).toBe(200);
    const after = Date.now();

    const recorded = await actionsOf(id);
    expect(recorded.map(({ at: _at, ...rest }) => rest)).toEqual([
      { action: 'PauseWorkflow', actor: 'Ana Ström', reason: 'fare table reload' },
      { action: 'ResumeWorkflow', actor: expect.stringMatching(/^anonymous at .*127\.0\.0\.1$/) as unknown as string },
      { action: 'SkipTask', actor: 'ana', reason: 'not needed', target: 'note' },
      { action: 'TerminateWorkflow', actor: 'bo', reason: 'customer called', compensate: true },
      { action: 'RestartWorkflow', actor: 'cy', reason: 'again', useLatestDefinitions: false },
      { action: 'TerminateWorkflow', actor: 'cy', compensate: false },
      { action: 'RerunWorkflow', actor: 'dee', reason: 'from the wait', target: waitTask },
    ]);
    for (const record of recorded) {
      expect(record.at).toBeGreaterThanOrEqual(before - 1000);
      expect(record.at).toBeLessThanOrEqual(after + 1000);
    }
    expect(recorded.map((record) => record.at)).toEqual([...recorded.map((record) => record.at)].sort((a, b) => a - b));
  });

  it('given a running execution: a refused action (resume while running) records nothing', async () => {
    const id = await startWaiting();
    expect((await send('PUT', `/api/workflow/${id}/resume?reason=oops`, 'ana')).status).toBe(409);
    expect(await actionsOf(id)).toEqual([]);
    expect(await workflow(id)).not.toHaveProperty('operatorActions');
  });

  it('given two running executions: a bulk pause and a bulk terminate record the operator and reason on each', async () => {
    const ids = [await startWaiting(), await startWaiting()];
    const paused = await send('PUT', '/api/workflow/bulk/pause?reason=incident+42', 'ops-bot', ids);
    expect(JSON.parse(paused.text)).toEqual({ bulkSuccessfulResults: expect.arrayContaining(ids) as unknown, bulkErrorResults: {} });
    const terminated = await send('POST', '/api/workflow/bulk/terminate?reason=incident+42', 'ops-bot', ids);
    expect(terminated.status, terminated.text).toBe(200);
    for (const id of ids)
      expect((await actionsOf(id)).map(({ action, actor, reason }) => `${action} by ${actor}: ${reason}`)).toEqual([
        'PauseWorkflow by ops-bot: incident 42',
        'TerminateWorkflow by ops-bot: incident 42',
      ]);
  });

  it('documents the operator header and the reason in the OpenAPI document', async () => {
    const document = (await api('GET', '/openapi.json')).json<{
      paths: Record<string, Record<string, { parameters: { name: string; in: string }[] }>>;
    }>();
    const pause = document.paths['/api/workflow/{workflowId}/pause']?.['put']?.parameters ?? [];
    expect(pause).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'X-Waggle-Operator', in: 'header' }),
        expect.objectContaining({ name: 'reason' }),
      ]),
    );
  });
});
