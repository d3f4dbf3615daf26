import type { ChildProcess } from 'node:child_process';
import { openMongoEventStore, type OpenedEventStore } from '@waggle/event-store';
import type { TaskWorker } from '@waggle/task-worker';
import { freePort, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createExecutionDecider } from '../engine/decide.ts';
import { createScriptSandbox, type ScriptSandbox } from '../engine/createScriptSandbox.ts';
import type { WorkflowDef } from '../engine/workflowDef.ts';
import { loadExecution } from './loadExecution.ts';
import { conductorClient } from './testing/conductorClient.ts';
import { killHard, spawnCoordinator } from './testing/spawnCoordinator.ts';
import { countEffects, startTestWorkers } from './testing/startTestCoordinator.ts';

const stack = inject('stack');
const prefix = uniqueName('sagacrash');
const database = uniqueName('saga-crash');
const taskTypes = ['crash_a', 'crash_b', 'crash_c'];
const definition: WorkflowDef = {
  name: 'three_steps',
  version: 1,
  tasks: taskTypes.map((name, index) => ({
    name,
    taskReferenceName: `s${index}`,
    type: 'SIMPLE',
    inputParameters: { n: '${workflow.input.n}' },
  })),
};
const children: ChildProcess[] = [];
let port = 0;
let effects: OpenedEventStore;
let coordinatorDb: OpenedEventStore;
let workers: TaskWorker;
let sandbox: ScriptSandbox;
const { api, start } = conductorClient(() => `http://127.0.0.1:${port}`);

const spawnOne = async (): Promise<ChildProcess> => {
  const child = await spawnCoordinator(stack, { port, database, prefix });
  children.push(child);
  return child;
};

beforeAll(async () => {
  port = await freePort();
  sandbox = await createScriptSandbox();
  effects = await openMongoEventStore({ url: stack.mongoUrl, database: `${database}-effects` });
  coordinatorDb = await openMongoEventStore({ url: stack.mongoUrl, database });
  workers = await startTestWorkers(stack, { prefix, name: uniqueName('crash-workers'), store: effects.store, taskTypes });
}, 60_000);
afterAll(async () => {
  for (const child of children) await killHard(child);
  await workers?.stop();
  await effects?.close();
  await coordinatorDb?.close();
  await sandbox?.close();
});

describe('a coordinator SIGKILLed while executions run', () => {
  it('finishes every execution after a restart, each task attempt dispatched once and applied once', { timeout: 180_000 }, async () => {
    let child = await spawnOne();
    expect(
      (
        await api(
          'POST',
          '/api/metadata/taskdefs',
          taskTypes.map((name) => ({ name, retryCount: 0, responseTimeoutSeconds: 600 })),
        )
      ).status,
    ).toBe(200);
    expect((await api('POST', '/api/metadata/workflow', definition)).status).toBe(200);
    const ids = await Promise.all(Array.from({ length: 20 }, (_, n) => start('three_steps', { n })));

    // killed in the middle: results on their way, next commands not yet decided or not yet relayed
    await waitFor(async () => (await countEffects(effects.store, taskTypes)).size >= 10, { description: 'some tasks to have run' });
    await killHard(child);
    const decider = createExecutionDecider(sandbox);
    const statusAtKill = await Promise.all(ids.map(async (id) => (await loadExecution(coordinatorDb.store, decider, id)).execution.status));
    expect(statusAtKill.filter((status) => status === 'RUNNING').length).toBeGreaterThan(0);

    child = await spawnOne();
    const finished = await waitFor(
      async () => {
        const executions = await Promise.all(ids.map(async (id) => (await loadExecution(coordinatorDb.store, decider, id)).execution));
        return executions.every((execution) => execution.status === 'COMPLETED') && executions;
      },
      { timeoutMs: 90_000, description: 'every execution to complete after the restart' },
    );
    const counts = await countEffects(effects.store, taskTypes);
    for (const execution of finished) {
      if (execution.status === 'NONE') throw new Error('not started');
      // one attempt per step (no task scheduled twice), each applied by its worker exactly once
      expect(execution.tasks.map((task) => `${task.referenceTaskName}:${task.retryCount}`)).toEqual(['s0:0', 's1:0', 's2:0']);
      for (const task of execution.tasks) expect(counts.get(`${task.taskId}:0`), task.taskId).toBe(1);
    }
    expect(counts.size).toBe(ids.length * 3);
    await killHard(child);
  });
});
