import { setTimeout as delay } from 'node:timers/promises';
import { createLogger } from '@waggle/observability';
import { loadSchemas } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import { createTaskWorker, sagaTopics, type TaskWorker } from '@waggle/task-worker';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { WorkflowDef } from '../engine/workflowDef.ts';
import type { RunningCoordinator } from './startCoordinator.ts';
import { conductorClient, type WorkflowJson } from './testing/conductorClient.ts';
import { startTestCoordinator, testCoordinatorConfig } from './testing/startTestCoordinator.ts';

const stack = inject('stack');
const prefix = uniqueName('sagalimits');
const database = uniqueName('saga-limits');
const config = testCoordinatorConfig(stack, { prefix, database });
let coordinator: RunningCoordinator;
let worker: TaskWorker;
const { api, start, ended } = conductorClient(() => coordinator.url);
/** Tasks the worker runs at this moment, per type, and the most it ever ran at once. */
const inFlight = new Map<string, number>();
const most = new Map<string, number>();

type Timed = { taskType: string; startTime: number; endTime: number; status: string };
const tasksOf = (workflows: readonly WorkflowJson[]): Timed[] => workflows.flatMap((w) => w.tasks as unknown as Timed[]);

/** The most tasks IN_PROGRESS at once as the coordinator recorded them (from hand-out to the applied result). */
const mostAtOnce = (tasks: readonly Timed[]): number => {
  const edges = tasks.flatMap((t) => [
    [t.startTime, 1],
    [t.endTime, -1],
  ]);
  // an end at the same millisecond as a start frees the slot first
  edges.sort((a, b) => (a[0] ?? 0) - (b[0] ?? 0) || (a[1] ?? 0) - (b[1] ?? 0));
  let now = 0;
  let max = 0;
  for (const [, step] of edges) max = Math.max(max, (now += step ?? 0));
  return max;
};

const def = (name: string, taskType: string): WorkflowDef => ({
  name,
  version: 1,
  tasks: [{ name: taskType, taskReferenceName: 'limited', type: 'SIMPLE' }],
});

beforeAll(async () => {
  coordinator = await startTestCoordinator(config);
  worker = createTaskWorker({
    brokers: [stack.kafkaBrokers],
    serde: createAvroSerde({ registryUrl: stack.schemaRegistryUrl, schemas: loadSchemas() }),
    logger: createLogger({ service: 'limit-workers', level: 'silent' }),
    name: uniqueName('limit-workers'),
    topics: sagaTopics(prefix),
    partitions: 3,
    handlers: ['two_at_once', 'two_per_second'].map((taskType) => ({
      taskType,
      execute: async () => {
        const now = (inFlight.get(taskType) ?? 0) + 1;
        inFlight.set(taskType, now);
        most.set(taskType, Math.max(most.get(taskType) ?? 0, now));
        await delay(taskType === 'two_at_once' ? 400 : 10);
        inFlight.set(taskType, (inFlight.get(taskType) ?? 1) - 1);
        return { status: 'COMPLETED', outputData: {} };
      },
    })),
  });
  await worker.start();
  const defs = [
    { name: 'two_at_once', retryCount: 0, responseTimeoutSeconds: 60, concurrentExecLimit: 2 },
    { name: 'two_per_second', retryCount: 0, responseTimeoutSeconds: 60, rateLimitPerFrequency: 2, rateLimitFrequencyInSeconds: 1 },
  ];
  expect((await api('POST', '/api/metadata/taskdefs', defs)).status).toBe(200);
  expect((await api('POST', '/api/metadata/workflow', def('concurrent', 'two_at_once'))).status).toBe(200);
  expect((await api('POST', '/api/metadata/workflow', def('rated', 'two_per_second'))).status).toBe(200);
}, 60_000);
afterAll(async () => {
  await worker?.stop();
  await coordinator?.stop();
});

describe('task definitions with Conductor limits', () => {
  it('concurrentExecLimit 2: of 10 executions at most 2 tasks are in progress at once; the postponed ones wait SCHEDULED and survive a restart', async () => {
    const ids = await Promise.all(Array.from({ length: 10 }, () => start('concurrent', {})));
    // postponed tasks are SCHEDULED, not handed out
    const early = await Promise.all(ids.map(async (id) => (await api('GET', `/api/workflow/${id}`)).json<WorkflowJson>()));
    expect(early.flatMap((w) => w.tasks).filter((t) => t.status === 'SCHEDULED').length).toBeGreaterThan(0);
    // restarted while tasks wait for their slots: the requests and the slots are in Mongo
    await waitFor(
      async () =>
        (await Promise.all(ids.map(async (id) => (await api('GET', `/api/workflow/${id}`)).json<WorkflowJson>()))).some(
          (w) => w.status === 'COMPLETED',
        ),
      {
        description: 'a first execution to complete',
      },
    );
    await coordinator.stop();
    coordinator = await startTestCoordinator(config);
    const workflows = await Promise.all(ids.map((id) => ended(id, 60_000)));
    expect(workflows.map((w) => w.status)).toEqual(Array(10).fill('COMPLETED'));
    expect(mostAtOnce(tasksOf(workflows))).toBe(2);
    expect(most.get('two_at_once')).toBeLessThanOrEqual(2);
    const status = (await (await fetch(`${coordinator.url}/status`)).json()) as { tasks: { postponed: number } };
    expect(status.tasks.postponed).toBe(0);
  });

  it('rateLimitPerFrequency 2 per 1 s: 6 tasks are handed out two per second', async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, () => start('rated', {})));
    const workflows = await Promise.all(ids.map((id) => ended(id, 30_000)));
    expect(workflows.map((w) => w.status)).toEqual(Array(6).fill('COMPLETED'));
    const starts = tasksOf(workflows)
      .map((t) => t.startTime)
      .sort((a, b) => a - b);
    // any two hand-outs apart by one are at least a window apart (a little less: the hand-out is recorded after the grant)
    for (let i = 2; i < starts.length; i++) expect((starts[i] ?? 0) - (starts[i - 2] ?? 0), `hand-out ${i}`).toBeGreaterThanOrEqual(900);
    expect((starts[5] ?? 0) - (starts[0] ?? 0)).toBeGreaterThanOrEqual(1_800);
  });
});
