import { setTimeout as delay } from 'node:timers/promises';
import { NotFoundError, ValidationError } from '@waggle/errors';
import { defineRoute, type Route } from '@waggle/http';
import { z } from 'zod';
import { isTerminalTask } from '../engine/execution.ts';
import type { TaskResult } from '../engine/execution.ts';
import { toTaskJson } from '../engine/toWorkflowJson.ts';
import type { ApiDeps } from './apiDeps.ts';
import { readExecution } from './readExecution.ts';
import type { CoordinatorInput } from '../service/inputRecords.ts';

const output = z.record(z.string(), z.unknown());
const status = z.enum(['IN_PROGRESS', 'COMPLETED', 'FAILED', 'FAILED_WITH_TERMINAL_ERROR']);
const taskResultBody = z
  .looseObject({
    workflowInstanceId: z.string().min(1),
    taskId: z.string().min(1),
    status,
    outputData: output.optional(),
    reasonForIncompletion: z.string().optional(),
    callbackAfterSeconds: z.number().int().min(0).optional(),
    workerId: z.string().optional(),
  })
  .meta({ id: 'TaskResult' });
type TaskResultBody = z.infer<typeof taskResultBody>;
const pollQuery = z.object({
  workerid: z.string().max(256).optional(),
  domain: z.string().optional(),
  count: z.coerce.number().int().min(1).max(1000).default(1),
  timeout: z.coerce.number().int().min(0).default(100),
});

/** A task id names its execution: `<workflowId>:<seq>`. */
const workflowOf = (taskId: string): string => taskId.slice(0, Math.max(0, taskId.lastIndexOf(':')));

/**
 * Claims up to `count` queued tasks of a type for a worker, as Conductor's Task JSON (IN_PROGRESS, polled by it). A
 * claimed entry whose task has meanwhile ended (a result came over Kafka) is dropped. Waits up to `timeoutMs` for one.
 */
const poll = async (deps: ApiDeps, taskType: string, workerId: string, count: number, timeoutMs: number) => {
  // Conductor's poll data: who polled the queue last, and when (also when it finds nothing)
  await deps.workers.polled({ taskType, workerId });
  const deadline = Date.now() + timeoutMs;
  const tasks: Record<string, unknown>[] = [];
  const taken: Extract<CoordinatorInput, { kind: 'result' }>[] = [];
  while (tasks.length < count) {
    const claimed = await deps.pollQueue.claim(taskType, workerId);
    if (claimed === undefined) {
      if (tasks.length > 0 || Date.now() >= deadline) break;
      await delay(Math.min(50, Math.max(1, deadline - Date.now())));
      continue;
    }
    const execution = await readExecution(deps, claimed.workflowId).catch(() => undefined);
    const task = execution?.tasks.find((t) => t.taskId === claimed._id);
    if (execution === undefined || task === undefined || isTerminalTask(task.status) || execution.status !== 'RUNNING') {
      await deps.pollQueue.done(claimed._id);
      continue;
    }
    // a task whose def has a pollTimeoutSeconds is taken now: its execution hears of it, so it does not time out
    if (task.awaitingPoll === true)
      taken.push({ kind: 'result', workflowId: execution.workflowId, result: { taskId: task.taskId, status: 'IN_PROGRESS', workerId } });
    tasks.push({ ...toTaskJson(execution, task), status: 'IN_PROGRESS', workerId, pollCount: task.pollCount + 1, startTime: Date.now() });
  }
  await Promise.all(taken.map((input) => deps.gateway.post(input, { causationId: `poll:${workerId}` })));
  return tasks;
};

const toResult = (body: TaskResultBody): TaskResult => ({
  taskId: body.taskId,
  status: body.status,
  ...(body.outputData === undefined ? {} : { outputData: body.outputData }),
  ...(body.reasonForIncompletion === undefined ? {} : { reasonForIncompletion: body.reasonForIncompletion }),
  ...(body.callbackAfterSeconds === undefined ? {} : { callbackAfterSeconds: body.callbackAfterSeconds }),
  ...(body.workerId === undefined ? {} : { workerId: body.workerId }),
});

/** Conductor's task API for workers that poll over HTTP (Conductor's SDK workers work unchanged). */
export const taskRoutes = (deps: ApiDeps): Route[] => {
  const report = async (workflowId: string, result: TaskResult, cause: { requestId: string; traceparent: string }) => {
    await deps.gateway.apply({ kind: 'result', workflowId, result }, { causationId: cause.requestId, traceparent: cause.traceparent });
  };
  return [
    defineRoute({
      method: 'get',
      path: '/api/tasks/poll/batch/:taskType',
      operationId: 'batchPoll',
      summary: 'Claim up to count tasks of a type (a long poll of at most timeout ms, 5000 at most)',
      params: z.object({ taskType: z.string().min(1) }),
      query: pollQuery,
      responses: { 200: { description: 'Task list (empty when none)' }, 400: { description: 'Timeout over 5 s' } },
      handler: async ({ params, query }) => {
        if (query.timeout > 5000)
          throw new ValidationError('Long Poll Timeout value cannot be more than 5 seconds', [
            { path: '/query/timeout', message: 'at most 5000' },
          ]);
        return { status: 200, body: await poll(deps, params.taskType, query.workerid ?? 'unknown', query.count, query.timeout) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tasks/poll/:taskType',
      operationId: 'poll',
      summary: 'Claim one task of a type (204 when there is none)',
      params: z.object({ taskType: z.string().min(1) }),
      query: pollQuery.pick({ workerid: true, domain: true }),
      responses: { 200: { description: 'Task' }, 204: { description: 'No task' } },
      handler: async ({ params, query }) => {
        const [task] = await poll(deps, params.taskType, query.workerid ?? 'unknown', 1, 0);
        return task === undefined ? { status: 204 } : { status: 200, body: task };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tasks',
      operationId: 'updateTask',
      summary: "A worker's TaskResult (applied by the execution's owner; early, duplicate and late results are handled)",
      body: taskResultBody,
      responses: { 200: { description: 'The task id (text/plain)' }, 404: { description: 'No such execution' } },
      handler: async ({ body, requestId, traceparent }) => {
        await report(body.workflowInstanceId, toResult(body), { requestId, traceparent });
        return { status: 200, body: body.taskId };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tasks/update-v2',
      operationId: 'updateTaskV2',
      summary: 'A TaskResult, answered with the next task of the same type for the worker (204 when none)',
      body: taskResultBody,
      responses: { 200: { description: 'The next Task' }, 204: { description: 'No next task' } },
      handler: async ({ body, requestId, traceparent }) => {
        await report(body.workflowInstanceId, toResult(body), { requestId, traceparent });
        const execution = await readExecution(deps, body.workflowInstanceId);
        const taskType = execution.tasks.find((t) => t.taskId === body.taskId)?.taskType;
        const [next] = taskType === undefined ? [] : await poll(deps, taskType, body.workerId ?? 'unknown', 1, 0);
        return next === undefined ? { status: 204 } : { status: 200, body: next };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tasks/:workflowId/:taskRefName/:status',
      operationId: 'updateTaskByRef',
      summary: 'Complete or fail a task by its reference name (a result before the task is scheduled is kept and applied then)',
      params: z.object({ workflowId: z.string().min(1), taskRefName: z.string().min(1), status }),
      query: z.object({ workerid: z.string().optional() }),
      body: output.optional(),
      responses: {
        200: { description: 'The task id (text/plain), empty while the task is not scheduled yet' },
        404: { description: 'No such execution' },
      },
      handler: async ({ params, query, body, requestId, traceparent }) => {
        const result: TaskResult = {
          referenceTaskName: params.taskRefName,
          status: params.status,
          outputData: body ?? {},
          ...(query.workerid === undefined ? {} : { workerId: query.workerid }),
        };
        await report(params.workflowId, result, { requestId, traceparent });
        const execution = await readExecution(deps, params.workflowId);
        const task = [...execution.tasks].reverse().find((t) => t.referenceTaskName === params.taskRefName);
        return { status: 200, body: task?.taskId ?? '' };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tasks/:taskId',
      operationId: 'getTask',
      summary: 'A task by id',
      params: z.object({ taskId: z.string().min(1) }),
      responses: { 200: { description: 'Task' }, 404: { description: 'No such task' } },
      handler: async ({ params }) => {
        const execution = await readExecution(deps, workflowOf(params.taskId)).catch(() => undefined);
        const task = execution?.tasks.find((t) => t.taskId === params.taskId);
        if (execution === undefined || task === undefined) throw new NotFoundError(`Task not found for taskId: ${params.taskId}`);
        return { status: 200, body: toTaskJson(execution, task) };
      },
    }),
  ];
};
