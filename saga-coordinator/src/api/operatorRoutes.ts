import { defineRoute, type Route, type RouteRequest } from '@waggle/http';
import { z } from 'zod';
import type { OperatorNote } from '../engine/engineInput.ts';
import type { ApiDeps } from './apiDeps.ts';
import { readExecution } from './readExecution.ts';
import type { OperatorAction } from '../service/inputRecords.ts';

const idParams = z.object({ workflowId: z.string().min(1) });
const refused = {
  404: { description: 'No such execution' },
  409: { description: "The execution's state does not allow it (Conductor answers some of these with 500 or 404)" },
};

export type Cause = Pick<RouteRequest<unknown, unknown, unknown>, 'requestId' | 'traceparent' | 'headers' | 'clientAddress'>;

/** Names the operator behind an action (UTF-8, percent-encoded); a waggle header, Conductor's clients do not send it. */
export const operatorHeader = 'x-waggle-operator';
/** `?reason=` on every operator action (Conductor's terminate has it; Conductor's clients send none on the others). */
export const reasonQuery = z.object({
  reason: z.string().max(1000).optional().describe("Why: recorded with the action in the execution's history (operatorActions)"),
});
/** The operator header, as the OpenAPI document shows it. */
export const operatorHeaders = [
  {
    name: 'X-Waggle-Operator',
    description: "Who acts (UTF-8, percent-encoded), recorded in the execution's history; without it the client's address is recorded",
  },
] as const;

const decoded = (value: string): string => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

/** Who asked: the operator header, else (honestly) only where the request came from. */
export const operatorOf = (request: Cause, reason: string | undefined): OperatorNote => {
  const header = request.headers[operatorHeader];
  const named = typeof header === 'string' ? decoded(header).trim().slice(0, 200) : '';
  const actor = named === '' ? `anonymous at ${request.clientAddress ?? 'an unknown address'}` : named;
  return { actor, ...(reason === undefined || reason.trim() === '' ? {} : { reason: reason.trim() }) };
};

/**
 * Sends an operator action to the execution's owner and waits until it was applied (or refused); the execution's
 * history records who asked, when and why.
 */
export const act = async (deps: ApiDeps, workflowId: string, action: OperatorAction, request: Cause, reason?: string): Promise<void> => {
  await deps.gateway.apply(
    { kind: 'action', workflowId, action: { ...action, by: operatorOf(request, reason) } },
    { causationId: request.requestId, traceparent: request.traceparent },
  );
};

/**
 * Conductor's `archiveWorkflow` on remove: waggle always keeps the history (its event store is append-only), which is
 * what `true` asks for; `false`, deleting it, is refused rather than quietly not done.
 */
export const archiveWorkflow = z
  .enum(['true'], {
    error: "waggle keeps every execution's history in its event store: archiveWorkflow=false (deleting it) is not supported",
  })
  .default('true');

/** terminate-remove: ended first (no compensation) when it still runs. */
export const removeAction = (reason: string | undefined): OperatorAction => ({
  type: 'RemoveWorkflow',
  terminate: true,
  ...(reason === undefined ? {} : { reason }),
});

/** A restart, onto the latest definition (and its task defs) when asked. */
export const restartAction = async (deps: ApiDeps, workflowId: string, useLatest: boolean): Promise<OperatorAction> => {
  if (!useLatest) return { type: 'RestartWorkflow' };
  const execution = await readExecution(deps, workflowId);
  const definition = await deps.metadata.getWorkflowDef(execution.definition.name);
  return { type: 'RestartWorkflow', definition, taskDefs: await deps.metadata.taskDefsFor(definition) };
};

/**
 * Conductor's operator actions. Each is applied by the execution's owner in order with its other inputs. Where Conductor
 * answers oddly (500 to resume a RUNNING execution, 404 to retry one that still runs), waggle answers 409 with the same
 * message. Each takes `?reason=` and the `X-Waggle-Operator` header, recorded with the action in the execution's history
 * (its `operatorActions`).
 */
export const operatorRoutes = (deps: ApiDeps): Route[] => [
  defineRoute({
    method: 'put',
    path: '/api/workflow/:workflowId/pause',
    operationId: 'pauseWorkflow',
    headers: operatorHeaders,
    summary: 'Pause an execution: nothing new is scheduled until it is resumed',
    params: idParams,
    query: reasonQuery,
    responses: { 200: { description: 'Paused (or already paused)' }, ...refused },
    handler: async (request) => {
      await act(deps, request.params.workflowId, { type: 'PauseWorkflow' }, request, request.query.reason);
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/workflow/:workflowId/resume',
    operationId: 'resumeWorkflow',
    headers: operatorHeaders,
    summary: 'Resume a paused execution',
    params: idParams,
    query: reasonQuery,
    responses: { 200: { description: 'Resumed' }, ...refused },
    handler: async (request) => {
      await act(deps, request.params.workflowId, { type: 'ResumeWorkflow' }, request, request.query.reason);
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/workflow/:workflowId',
    operationId: 'terminateWorkflow',
    headers: operatorHeaders,
    summary: 'Terminate an execution (compensate=true undoes its completed steps first: a waggle extension)',
    params: idParams,
    query: z.object({ reason: z.string().max(1000).optional(), compensate: z.enum(['true', 'false']).default('false') }),
    responses: { 200: { description: 'Terminated' }, ...refused },
    handler: async (request) => {
      const { reason, compensate } = request.query;
      await act(
        deps,
        request.params.workflowId,
        { type: 'TerminateWorkflow', ...(reason === undefined ? {} : { reason }), compensate: compensate === 'true' },
        request,
        reason,
      );
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/workflow/:workflowId/remove',
    operationId: 'deleteWorkflow',
    headers: operatorHeaders,
    summary: "Remove an ended execution from the API and search (its history stays in the coordinator's event store)",
    params: idParams,
    query: reasonQuery.extend({ archiveWorkflow }),
    responses: { 200: { description: 'Removed' }, 400: { description: 'archiveWorkflow=false' }, ...refused },
    handler: async (request) => {
      await act(deps, request.params.workflowId, { type: 'RemoveWorkflow' }, request, request.query.reason);
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/workflow/:workflowId/terminate-remove',
    operationId: 'terminateRemove',
    headers: operatorHeaders,
    summary: 'Terminate an execution if it still runs (no compensation), then remove it',
    params: idParams,
    query: reasonQuery.extend({ archiveWorkflow }),
    responses: { 200: { description: 'Terminated and removed' }, 400: { description: 'archiveWorkflow=false' }, ...refused },
    handler: async (request) => {
      const { reason } = request.query;
      await act(deps, request.params.workflowId, removeAction(reason), request, reason);
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/workflow/:workflowId/retry',
    operationId: 'retryWorkflow',
    headers: operatorHeaders,
    summary:
      'Retry a failed execution from its failed tasks (resumeSubworkflowTasks=true: a failed sub-workflow is retried inside the child, from its failed step); a retried child resumes its parents',
    params: idParams,
    query: reasonQuery.extend({ resumeSubworkflowTasks: z.enum(['true', 'false']).default('false') }),
    responses: { 204: { description: 'Retried' }, ...refused },
    handler: async (request) => {
      const resume = request.query.resumeSubworkflowTasks === 'true';
      await act(
        deps,
        request.params.workflowId,
        { type: 'RetryWorkflow', ...(resume ? { resumeSubworkflowTasks: true } : {}) },
        request,
        request.query.reason,
      );
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/workflow/:workflowId/restart',
    operationId: 'restartWorkflow',
    headers: operatorHeaders,
    summary: 'Run an ended execution again from the start (useLatestDefinitions=true moves it to the latest definition)',
    params: idParams,
    query: reasonQuery.extend({ useLatestDefinitions: z.enum(['true', 'false']).default('false') }),
    responses: { 204: { description: 'Restarted' }, ...refused },
    handler: async (request) => {
      const { workflowId } = request.params;
      const action = await restartAction(deps, workflowId, request.query.useLatestDefinitions === 'true');
      await act(deps, workflowId, action, request, request.query.reason);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/workflow/:workflowId/rerun',
    operationId: 'rerunWorkflow',
    headers: operatorHeaders,
    summary: 'Rerun an ended execution from a task (reRunFromTaskId) or from the start, with new input if given',
    params: idParams,
    query: reasonQuery,
    body: z
      .looseObject({
        reRunFromWorkflowId: z.string().optional(),
        reRunFromTaskId: z.string().optional(),
        taskInput: z.record(z.string(), z.unknown()).optional(),
        workflowInput: z.record(z.string(), z.unknown()).optional(),
      })
      .meta({ id: 'RerunWorkflowRequest' }),
    responses: { 200: { description: 'The execution id (text/plain)' }, ...refused },
    handler: async (request) => {
      const { reRunFromTaskId, taskInput, workflowInput } = request.body;
      await act(
        deps,
        request.params.workflowId,
        {
          type: 'RerunWorkflow',
          ...(reRunFromTaskId === undefined ? {} : { reRunFromTaskId }),
          ...(taskInput === undefined ? {} : { taskInput }),
          ...(workflowInput === undefined ? {} : { workflowInput }),
        },
        request,
        request.query.reason,
      );
      return { status: 200, body: request.params.workflowId };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/workflow/:workflowId/skiptask/:taskReferenceName',
    operationId: 'skipTask',
    headers: operatorHeaders,
    summary: 'Skip a task not scheduled yet: it is marked SKIPPED and the execution moves past it',
    params: z.object({ workflowId: z.string().min(1), taskReferenceName: z.string().min(1) }),
    query: reasonQuery,
    body: z
      .object({ taskInput: z.record(z.string(), z.unknown()).optional(), taskOutput: z.record(z.string(), z.unknown()).optional() })
      .optional(),
    responses: { 200: { description: 'Skipped' }, ...refused },
    handler: async (request) => {
      const { taskInput, taskOutput } = request.body ?? {};
      await act(
        deps,
        request.params.workflowId,
        {
          type: 'SkipTask',
          referenceTaskName: request.params.taskReferenceName,
          ...(taskInput === undefined ? {} : { taskInput }),
          ...(taskOutput === undefined ? {} : { taskOutput }),
        },
        request,
        request.query.reason,
      );
      return { status: 200 };
    },
  }),
];
