import type { ChildProcess } from 'node:child_process';
import { openMongoEventStore, type OpenedEventStore } from '@waggle/event-store';
import type { TaskWorker } from '@waggle/task-worker';
import { freePort, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createExecutionDecider } from '../engine/decide.ts';
import { createScriptSandbox, type ScriptSandbox } from '../engine/createScriptSandbox.ts';
import type { StartedExecution } from '../engine/execution.ts';
import type { WorkflowDef, WorkflowTask } from '../engine/workflowDef.ts';
import { loadExecution } from './loadExecution.ts';
import { conductorClient } from './testing/conductorClient.ts';
import { killHard, spawnCoordinator } from './testing/spawnCoordinator.ts';
import { countEffects, echo, startTestWorkers } from './testing/startTestCoordinator.ts';

const stack = inject('stack');
const prefix = uniqueName('sagafail');
const database = uniqueName('saga-failover');
const taskTypes = ['hold', 'pay', 'confirm', 'release', 'refund'];
const undo = (ref: string, name: string): WorkflowTask['compensation'] => ({
  name,
  taskReferenceName: name,
  type: 'SIMPLE',
  inputParameters: { of: `\${${ref}.output.uuid}` },
});
const definition: WorkflowDef = {
  name: 'book',
  version: 1,
  tasks: [
    { name: 'hold', taskReferenceName: 'hold', type: 'SIMPLE', compensation: undo('hold', 'release') },
    { name: 'pay', taskReferenceName: 'pay', type: 'SIMPLE', compensation: undo('pay', 'refund') },
    { name: 'confirm', taskReferenceName: 'confirm', type: 'SIMPLE', inputParameters: { fail: '${workflow.input.fail}' } },
  ],
};
const children: ChildProcess[] = [];
let ports: number[] = [];
let effects: OpenedEventStore;
let coordinatorDb: OpenedEventStore;
let workers: TaskWorker;
let sandbox: ScriptSandbox;

beforeAll(async () => {
  ports = [await freePort(), await freePort()];
  sandbox = await createScriptSandbox();
  effects = await openMongoEventStore({ url: stack.mongoUrl, database: `${database}-effects` });
  coordinatorDb = await openMongoEventStore({ url: stack.mongoUrl, database });
  workers = await startTestWorkers(stack, {
    prefix,
    name: uniqueName('failover-workers'),
    store: effects.store,
    taskTypes,
    answer: (task) =>
      task.taskType === 'confirm' && task.input['fail'] === true
        ? { status: 'FAILED_WITH_TERMINAL_ERROR', reasonForIncompletion: 'declined' }
        : echo(task),
  });
}, 60_000);
afterAll(async () => {
  for (const child of children) await killHard(child);
  await workers?.stop();
  await effects?.close();
  await coordinatorDb?.close();
  await sandbox?.close();
});

describe('two coordinators running sagas with compensations, one SIGKILLed', () => {
  it(
    'the other finishes every saga: one terminal state each, every step and every compensation applied once, in reverse order',
    { timeout: 240_000 },
    async () => {
      for (const port of ports) children.push(await spawnCoordinator(stack, { port, database, prefix }));
      const [a, b] = ports.map((port) => conductorClient(() => `http://127.0.0.1:${port}`));
      if (a === undefined || b === undefined) throw new Error('two coordinators');
      expect(
        (
          await a.api(
            'POST',
            '/api/metadata/taskdefs',
            taskTypes.map((name) => ({ name, retryCount: 0, responseTimeoutSeconds: 600 })),
          )
        ).status,
      ).toBe(200);
      expect((await a.api('POST', '/api/metadata/workflow', definition)).status).toBe(200);
      const count = 60;
      const ids = await Promise.all(Array.from({ length: count }, (_, n) => (n % 2 === 0 ? a : b).start('book', { n, fail: n % 3 === 0 })));

      await waitFor(async () => (await countEffects(effects.store, taskTypes)).size >= count, { description: 'the sagas to be under way' });
      await killHard(children[0]!);
      const decider = createExecutionDecider(sandbox);
      const load = async (id: string) => (await loadExecution(coordinatorDb.store, decider, id)).execution as StartedExecution;
      expect((await Promise.all(ids.map(load))).filter((e) => e.status === 'RUNNING').length).toBeGreaterThan(0);

      const ended = await waitFor(
        async () => {
          const executions = await Promise.all(ids.map(load));
          const settled = executions.every(
            (e) => e.status === 'COMPLETED' || (e.status === 'FAILED' && e.compensation?.status === 'COMPENSATED'),
          );
          return settled && executions;
        },
        { timeoutMs: 120_000, intervalMs: 500, description: 'the surviving coordinator to finish every saga' },
      );
      const counts = await countEffects(effects.store, taskTypes);
      for (const [n, execution] of ended.entries()) {
        const steps = execution.tasks.map((task) => `${task.referenceTaskName}:${task.status}`);
        if (n % 3 === 0) {
          expect(execution.status).toBe('FAILED');
          // undone in reverse completion order, each once
          expect(steps).toEqual([
            'hold:COMPLETED',
            'pay:COMPLETED',
            'confirm:FAILED_WITH_TERMINAL_ERROR',
            'refund:COMPLETED',
            'release:COMPLETED',
          ]);
        } else {
          expect(steps).toEqual(['hold:COMPLETED', 'pay:COMPLETED', 'confirm:COMPLETED']);
        }
        for (const task of execution.tasks) expect(counts.get(`${task.taskId}:0`), task.taskId).toBe(1);
        const history = await coordinatorDb.store.readStream(execution.workflowId);
        expect(history.events.filter((event) => event.type === 'WorkflowEnded')).toHaveLength(1);
      }
      expect(counts.size).toBe(ended.reduce((sum, execution) => sum + execution.tasks.length, 0));
    },
  );
});
