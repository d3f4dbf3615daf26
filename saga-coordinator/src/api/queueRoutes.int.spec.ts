import { hostname } from 'node:os';
import { createInMemoryEventStore } from '@waggle/event-store';
import type { TaskWorker } from '@waggle/task-worker';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningCoordinator } from '../service/startCoordinator.ts';
import { conductorClient } from '../service/testing/conductorClient.ts';
import { startTestCoordinator, startTestWorkers, testCoordinatorConfig } from '../service/testing/startTestCoordinator.ts';

// task queues and workers as Conductor's API shows them, on the real stack: an HTTP-polled type nobody serves on
// Kafka, and a type whose Kafka worker starts only when the test says so
const stack = inject('stack');
const prefix = uniqueName('saga');
let coordinator: RunningCoordinator;
let kafkaWorker: TaskWorker | undefined;
const { api, workflow, ended } = conductorClient(() => coordinator.url);
const polledType = uniqueName('polled').replace(/-/g, '_');
const kafkaType = uniqueName('kafka').replace(/-/g, '_');

type Queue = { taskType: string; size: number; oldestQueuedAt?: number; oldestWaitMs?: number };
type Sighting = { taskType: string; workerId: string; lastPollTime?: number; lastResultTime?: number };
const get = async <T>(path: string): Promise<T> => {
  const answer = await api('GET', path);
  expect(answer.status, answer.text).toBe(200);
  return answer.json<T>();
};
const sizeOf = async (taskType: string): Promise<number> =>
  (await get<Record<string, number>>(`/api/tasks/queue/sizes?taskType=${taskType}`))[taskType] ?? -1;
const start = async (name: string): Promise<string> => {
  const started = await api('POST', '/api/workflow', { name, input: {} });
  expect(started.status, started.text).toBe(200);
  return started.text;
};
const oneTask = (name: string, taskType: string) => ({
  name,
  version: 1,
  ownerEmail: 'test@waggle.dev',
  tasks: [{ name: taskType, taskReferenceName: 'only', type: 'SIMPLE' }],
});

beforeAll(async () => {
  coordinator = await startTestCoordinator(testCoordinatorConfig(stack, { prefix, database: uniqueName('saga-queues') }));
  const defs = [polledType, kafkaType].map((name) => ({ name, retryCount: 0, responseTimeoutSeconds: 600 }));
  expect((await api('POST', '/api/metadata/taskdefs', defs)).status).toBe(200);
  for (const [name, taskType] of [
    [polledType, polledType],
    [kafkaType, kafkaType],
  ] as const)
    expect((await api('POST', '/api/metadata/workflow', oneTask(name, taskType))).status).toBe(200);
}, 60_000);
afterAll(async () => {
  await kafkaWorker?.stop();
  await coordinator?.stop();
});

describe('the task queue of an HTTP-polled type', () => {
  it("given 3 dispatched tasks: size 3 and the oldest one's age; a poll takes one and is the poll data; a terminate empties its entry", async () => {
    const before = Date.now();
    const ids = [await start(polledType), await start(polledType), await start(polledType)];
    await waitFor(async () => (await sizeOf(polledType)) === 3, { description: 'three tasks queued' });
    const [queue] = (await get<Queue[]>('/api/waggle/tasks/queues')).filter((q) => q.taskType === polledType);
    expect(queue?.size).toBe(3);
    expect(queue?.oldestQueuedAt).toBeGreaterThanOrEqual(before);
    expect(queue?.oldestWaitMs).toBeGreaterThanOrEqual(0);
    expect(queue?.oldestWaitMs).toBeLessThan(Date.now() - before + 1000);

    const polledAt = Date.now();
    const polled = await get<{ workflowInstanceId: string }[]>(`/api/tasks/poll/batch/${polledType}?count=1&timeout=1000&workerid=http-w1`);
    expect(polled).toHaveLength(1);
    expect(await sizeOf(polledType)).toBe(2);
    const pollData = await get<{ queueName: string; workerId: string; lastPollTime: number }[]>(
      `/api/tasks/queue/polldata?taskType=${polledType}`,
    );
    expect(pollData).toEqual([{ queueName: polledType, workerId: 'http-w1', lastPollTime: expect.any(Number) as unknown }]);
    expect(pollData[0]?.lastPollTime).toBeGreaterThanOrEqual(polledAt);
    expect(await get<{ workerId: string }[]>('/api/tasks/queue/polldata/all')).toEqual(
      expect.arrayContaining([expect.objectContaining({ queueName: polledType, workerId: 'http-w1' })]),
    );

    // a task canceled by a terminate waits in no queue any more
    const waitingId = ids.find((id) => id !== polled[0]?.workflowInstanceId) ?? '';
    expect((await api('DELETE', `/api/workflow/${waitingId}?reason=done`)).status).toBe(200);
    await waitFor(async () => (await sizeOf(polledType)) === 1, { description: 'the terminated task out of the queue' });

    const all = await get<Record<string, number>>('/api/tasks/queue/all');
    expect(all).toMatchObject({ [polledType]: 1 });
    expect(await get<number>(`/api/tasks/queue/size?taskType=${polledType}`)).toBe(1);
    expect(await get<Record<string, number>>(`/api/tasks/queue/sizes?taskType=${polledType}&taskType=nobody_has_it`)).toEqual({
      [polledType]: 1,
      nobody_has_it: 0,
    });
  });
});

describe('the task queue of a Kafka-served type', () => {
  it('given a task dispatched while no worker runs: it waits; the worker answers it, the queue empties and the worker is seen', async () => {
    const id = await start(kafkaType);
    await waitFor(async () => (await sizeOf(kafkaType)) === 1, { description: 'the Kafka task waiting' });
    expect((await workflow(id)).status).toBe('RUNNING');
    const workerName = uniqueName('kafka-worker');
    kafkaWorker = await startTestWorkers(stack, { prefix, name: workerName, store: createInMemoryEventStore(), taskTypes: [kafkaType] });
    expect((await ended(id, 60_000)).status).toBe('COMPLETED');
    await waitFor(async () => (await sizeOf(kafkaType)) === 0, { description: 'the Kafka queue empty' });
    const seen = await get<Sighting[]>('/api/waggle/tasks/workers');
    expect(seen).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          taskType: kafkaType,
          workerId: `${workerName}@${hostname()}:${process.pid}`,
          lastResultTime: expect.any(Number) as unknown,
        }),
      ]),
    );
    // a Kafka worker never polls: it is no Conductor poll data
    expect(await get<unknown[]>(`/api/tasks/queue/polldata?taskType=${kafkaType}`)).toEqual([]);
  });
});

describe("the coordinator's OpenAPI document", () => {
  it('lists the queue routes', async () => {
    const document = await get<{ paths: Record<string, unknown> }>('/openapi.json');
    for (const path of [
      '/api/tasks/queue/sizes',
      '/api/tasks/queue/size',
      '/api/tasks/queue/all',
      '/api/tasks/queue/polldata',
      '/api/tasks/queue/polldata/all',
      '/api/waggle/tasks/queues',
      '/api/waggle/tasks/workers',
    ])
      expect(document.paths).toHaveProperty([path]);
  });
});
