import { defineRoute, type Route } from '@waggle/http';
import { z } from 'zod';
import type { QueueDepth } from '../service/coordinatorStores.ts';
import type { WorkerSighting } from '../service/workerSightings.ts';
import type { ApiDeps } from './apiDeps.ts';

// Conductor binds ?taskType=a&taskType=b (and a,b) to a list
const taskTypes = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : [value]).flatMap((one) => one.split(',')).filter((one) => one !== ''));

const pollDataSchema = z
  .object({ queueName: z.string(), domain: z.string().optional(), workerId: z.string(), lastPollTime: z.number() })
  .meta({ id: 'PollData' });

/** Conductor's PollData: the HTTP pollers only (a worker on Kafka never polls). */
const toPollData = (sightings: readonly WorkerSighting[]) =>
  sightings.flatMap((s) =>
    s.lastPollTime === undefined
      ? []
      : [
          {
            queueName: s.taskType,
            ...(s.domain === undefined ? {} : { domain: s.domain }),
            workerId: s.workerId,
            lastPollTime: s.lastPollTime,
          },
        ],
  );

/** Every known task type (registered, or with tasks waiting) with its depth: 0 for an empty queue, as Conductor lists it. */
const allQueues = async (deps: ApiDeps): Promise<Map<string, QueueDepth | undefined>> => {
  const [defs, waiting] = await Promise.all([deps.metadata.listTaskDefs(), deps.pollQueue.waiting()]);
  const queues = new Map<string, QueueDepth | undefined>(defs.map((def) => [def.name, undefined]));
  for (const depth of waiting) queues.set(depth.taskType, depth);
  return new Map([...queues].sort(([a], [b]) => a.localeCompare(b)));
};

/**
 * Conductor's task queue API: the queue of a task type holds its tasks dispatched and not picked up yet (claimed by a
 * poll, or answered by a worker on Kafka: IN_PROGRESS or a result), read from the poll queue's waiting entries; and
 * who polled it last. waggle adds the oldest waiting task's age and the workers seen through their results.
 */
export const queueRoutes = (deps: ApiDeps): Route[] => [
  defineRoute({
    method: 'get',
    path: '/api/tasks/queue/sizes',
    operationId: 'taskQueueSizes',
    summary: 'Tasks waiting to be picked up, per task type asked for ({taskType: size})',
    query: z.object({ taskType: taskTypes.optional() }),
    responses: { 200: { description: 'Map of task type to queue size', schema: z.record(z.string(), z.number()) } },
    handler: async ({ query }) => {
      const asked = query.taskType ?? [];
      const waiting = new Map((await deps.pollQueue.waiting(asked)).map((depth) => [depth.taskType, depth.size]));
      return { status: 200, body: Object.fromEntries(asked.map((taskType) => [taskType, waiting.get(taskType) ?? 0])) };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/tasks/queue/size',
    operationId: 'taskQueueSize',
    summary: "Tasks of a type waiting to be picked up (Conductor's newer form of sizes; domains are ignored)",
    query: z.object({ taskType: z.string().min(1), domain: z.string().optional() }),
    responses: { 200: { description: 'The queue size', schema: z.number() } },
    handler: async ({ query }) => ({ status: 200, body: (await deps.pollQueue.waiting([query.taskType]))[0]?.size ?? 0 }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/tasks/queue/all',
    operationId: 'allTaskQueues',
    summary: 'Every task queue with its size ({taskType: size}): registered task types and any with tasks waiting',
    responses: { 200: { description: 'Map of task type to queue size', schema: z.record(z.string(), z.number()) } },
    handler: async () => ({
      status: 200,
      body: Object.fromEntries([...(await allQueues(deps))].map(([taskType, depth]) => [taskType, depth?.size ?? 0])),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/tasks/queue/polldata',
    operationId: 'taskPollData',
    summary: "Who polled a task type's queue, and when (Conductor's PollData, one per worker)",
    query: z.object({ taskType: z.string().min(1) }),
    responses: { 200: { description: 'PollData list', schema: z.array(pollDataSchema) } },
    handler: async ({ query }) => ({ status: 200, body: toPollData(await deps.workers.list([query.taskType])) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/tasks/queue/polldata/all',
    operationId: 'allTaskPollData',
    summary: 'Poll data of every task type',
    responses: { 200: { description: 'PollData list', schema: z.array(pollDataSchema) } },
    handler: async () => ({ status: 200, body: toPollData(await deps.workers.list()) }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/waggle/tasks/queues',
    operationId: 'taskQueueOverview',
    summary: 'waggle: every task queue with its size and its oldest waiting task (epoch ms, and its age at the answer)',
    responses: {
      200: {
        description: 'Queues by task type',
        schema: z.array(
          z.object({ taskType: z.string(), size: z.number(), oldestQueuedAt: z.number().optional(), oldestWaitMs: z.number().optional() }),
        ),
      },
    },
    handler: async () => {
      const now = Date.now();
      return {
        status: 200,
        body: [...(await allQueues(deps))].map(([taskType, depth]) =>
          depth === undefined
            ? { taskType, size: 0 }
            : { taskType, size: depth.size, oldestQueuedAt: depth.oldestQueuedAt, oldestWaitMs: Math.max(0, now - depth.oldestQueuedAt) },
        ),
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/waggle/tasks/workers',
    operationId: 'workersLastSeen',
    summary: 'waggle: workers last seen per task type: their last poll (HTTP) and their last result (HTTP or Kafka)',
    responses: {
      200: {
        description: 'Workers, the most recently seen first',
        schema: z.array(
          z.object({
            taskType: z.string(),
            workerId: z.string(),
            domain: z.string().optional(),
            lastPollTime: z.number().optional(),
            lastResultTime: z.number().optional(),
          }),
        ),
      },
    },
    handler: async () => ({ status: 200, body: await deps.workers.list() }),
  }),
];
