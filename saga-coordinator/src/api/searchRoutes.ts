import { defineRoute, type Route } from '@waggle/http';
import { z } from 'zod';
import type { StartedExecution, TaskRecord } from '../engine/execution.ts';
import { toTaskJson, toWorkflowJson } from '../engine/toWorkflowJson.ts';
import type { ExecutionSummary } from '../service/executionIndex.ts';
import type { ApiDeps } from './apiDeps.ts';
import { readExecution } from './readExecution.ts';
import { parseSearch, parseTaskSearch, type TaskSearch } from './searchQuery.ts';

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

/** Conductor's WorkflowSummary: ISO times, input and output as (JSON) strings, failed refs comma-joined. */
const toSummaryJson = (summary: ExecutionSummary): Record<string, unknown> => ({
  workflowType: summary.workflowType,
  version: summary.version,
  workflowId: summary.workflowId,
  ...(summary.correlationId === undefined ? {} : { correlationId: summary.correlationId }),
  startTime: iso(summary.startTime),
  updateTime: iso(summary.updateTime),
  ...(summary.endTime === undefined ? {} : { endTime: iso(summary.endTime), executionTime: summary.endTime - summary.startTime }),
  status: summary.status,
  input: JSON.stringify(summary.input),
  output: JSON.stringify(summary.output),
  ...(summary.reasonForIncompletion === undefined ? {} : { reasonForIncompletion: summary.reasonForIncompletion }),
  failedReferenceTaskNames: summary.failedReferenceTaskNames,
  priority: summary.priority,
  parentWorkflowId: summary.parentWorkflowId ?? '',
  ...(summary.compensationStatus === undefined ? {} : { compensationStatus: summary.compensationStatus }),
});

/** Conductor's TaskSummary: ISO times, input and output as (JSON) strings, the wait in the queue and the run in ms. */
const toTaskSummaryJson = (execution: StartedExecution, task: TaskRecord): Record<string, unknown> => ({
  workflowId: execution.workflowId,
  workflowType: execution.definition.name,
  ...(execution.correlationId === undefined ? {} : { correlationId: execution.correlationId }),
  scheduledTime: iso(task.scheduledTime),
  startTime: iso(task.startTime),
  updateTime: iso(task.updateTime),
  endTime: iso(task.endTime),
  status: task.status,
  ...(task.reasonForIncompletion === undefined ? {} : { reasonForIncompletion: task.reasonForIncompletion }),
  executionTime: task.endTime !== undefined && task.startTime !== undefined ? task.endTime - task.startTime : 0,
  queueWaitTime: task.startTime !== undefined ? task.startTime - task.scheduledTime : 0,
  taskDefName: task.taskDefName,
  taskType: task.taskType,
  input: JSON.stringify(task.inputData),
  output: JSON.stringify(task.outputData),
  taskId: task.taskId,
  workflowPriority: execution.priority,
  ...(task.workerId === undefined ? {} : { workerId: task.workerId }),
});

const searchParams = z.object({
  start: z.coerce.number().int().min(0).default(0),
  size: z.coerce.number().int().min(1).max(5000).default(100),
  sort: z.string().optional(),
  freeText: z.string().optional(),
  query: z.string().optional(),
});
const searchResponses = (what: string) => ({
  200: { description: `SearchResult<${what}>: {totalHits, results}` },
  400: { description: 'A term waggle cannot search by' },
});

/** Executions read at most by one task search: the most recently updated ones its execution terms match. */
export const taskSearchScan = 1_000;

/**
 * A task search: the executions its execution terms match (most recently updated first, at most `taskSearchScan`),
 * loaded, their tasks filtered by its task terms, sorted and paged. Tasks live inside their execution's history;
 * no per-task index is written on the hot path, so a search that names no execution is bounded by the scan.
 */
const searchTasks = async (deps: ApiDeps, search: TaskSearch) => {
  const found = await deps.index.search({ filter: search.executions, sort: [['updateTime', -1]], start: 0, size: taskSearchScan });
  const executions = await Promise.all(found.results.map((summary) => readExecution(deps, summary.workflowId).catch(() => undefined)));
  const hits = executions.flatMap((execution) =>
    execution === undefined ? [] : execution.tasks.filter(search.matches).map((task) => ({ execution, task })),
  );
  hits.sort((a, b) => {
    for (const [field, order] of search.sort) {
      const left = a.task[field] ?? 0;
      const right = b.task[field] ?? 0;
      if (left !== right) return (left < right ? -1 : 1) * order;
    }
    return 0;
  });
  return { totalHits: hits.length, page: hits.slice(search.start, search.start + search.size) };
};

/** Conductor's search endpoints: executions (summaries or whole), and tasks (summaries or whole). */
export const searchRoutes = (deps: ApiDeps): Route[] => [
  defineRoute({
    method: 'get',
    path: '/api/workflow/search',
    operationId: 'searchWorkflows',
    summary: "Search executions with Conductor's query syntax (workflowType IN (…) AND status IN (…) AND startTime>…)",
    query: searchParams,
    responses: searchResponses('WorkflowSummary'),
    handler: async ({ query }) => {
      const found = await deps.index.search(parseSearch(query));
      return { status: 200, body: { totalHits: found.totalHits, results: found.results.map(toSummaryJson) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/workflow/search-v2',
    operationId: 'searchWorkflowsV2',
    summary: 'Search executions as /api/workflow/search does, answering whole Workflow JSON (with tasks) per hit',
    query: searchParams.extend({ size: z.coerce.number().int().min(1).max(1000).default(100) }),
    responses: searchResponses('Workflow'),
    handler: async ({ query }) => {
      const found = await deps.index.search(parseSearch(query));
      const executions = await Promise.all(found.results.map((summary) => readExecution(deps, summary.workflowId)));
      return { status: 200, body: { totalHits: found.totalHits, results: executions.map((execution) => toWorkflowJson(execution)) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/tasks/search',
    operationId: 'searchTasks',
    summary: `Search tasks (taskType, taskDefName, taskId, taskRefName, status, times; workflowType, workflowId, correlationId narrow the executions read, at most ${taskSearchScan})`,
    query: searchParams,
    responses: searchResponses('TaskSummary'),
    handler: async ({ query }) => {
      const { totalHits, page } = await searchTasks(deps, parseTaskSearch(query));
      return { status: 200, body: { totalHits, results: page.map(({ execution, task }) => toTaskSummaryJson(execution, task)) } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/tasks/search-v2',
    operationId: 'searchTasksV2',
    summary: 'Search tasks as /api/tasks/search does, answering Task JSON per hit',
    query: searchParams,
    responses: searchResponses('Task'),
    handler: async ({ query }) => {
      const { totalHits, page } = await searchTasks(deps, parseTaskSearch(query));
      return { status: 200, body: { totalHits, results: page.map(({ execution, task }) => toTaskJson(execution, task)) } };
    },
  }),
];
