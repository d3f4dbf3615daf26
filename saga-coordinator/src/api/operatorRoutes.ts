import { defineRoute, type Route } from '@waggle/http';
import { z } from 'zod';
import type { ApiDeps } from './apiDeps.ts';
import { readExecution } from './readExecution.ts';
import type { OperatorInput } from '../service/inputRecords.ts';

const idParams = z.object({ workflowId: z.string().min(1) });
const refused = {
  404: { description: 'No such execution' },
  409: { description: "The execution's state does not allow it (Conductor answers some of these with 500 or 404)" },
};

export type Cause = { readonly requestId: string; readonly traceparent: string };

/** Sends an operator action to the execution's owner and waits until it was applied (or refused). */
export const act = async (deps: ApiDeps, workflowId: string, action: OperatorInput, request: Cause): Promise<void> => {
  await deps.gateway.apply({ kind: 'action', workflowId, action }, { causationId: request.requestId, traceparent: request.traceparent });
};

/** A restart, onto the latest definition (and its task defs) when asked. */
export const restartAction = async (deps: ApiDeps, workflowId: string, useLatest: boolean): Promise<OperatorInput> => {
  if (!useLatest) return { type: 'RestartWorkflow' };
  const execution = await readExecution(deps, workflowId);
  const definition = await deps.metadata.getWorkflowDef(execution.definition.name);
  return { type: 'RestartWorkflow', definition, taskDefs: await deps.metadata.taskDefsFor(definition) };
};

/**
 * Conductor's operator actions. Each is applied by the execution's owner in order with its other inputs. Where Conductor
 * answers oddly (500 to resume a RUNNING execution, 404 to retry one that still runs), waggle answers 409 with the same
 * message.
 */
export const operatorRoutes = (deps: ApiDeps): Route[] => [
  defineRoute({
    method: 'put',
    path: '/api/workflow/:workflowId/pause',
    operationId: 'pauseWorkflow',
    summary: 'Pause an execution: nothing new is scheduled until it is resumed',
    params: idParams,
    responses: { 200: { description: 'Paused (or already paused)' }, ...refused },
    handler: async (request) => {
      await act(deps, request.params.workflowId, { type: 'PauseWorkflow' }, request);
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/workflow/:workflowId/resume',
    operationId: 'resumeWorkflow',
    summary: 'Resume a paused execution',
    params: idParams,
    responses: { 200: { description: 'Resumed' }, ...refused },
    handler: async (request) => {
      await act(deps, request.params.workflowId, { type: 'ResumeWorkflow' }, request);
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/workflow/:workflowId',
    operationId: 'terminateWorkflow',
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
      );
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/workflow/:workflowId/retry',
    operationId: 'retryWorkflow',
    summary: 'Retry a failed execution from its failed tasks',
    params: idParams,
    query: z.object({ resumeSubworkflowTasks: z.enum(['true', 'false']).default('false') }),
    responses: { 204: { description: 'Retried' }, ...refused },
    handler: async (request) => {
      await act(deps, request.params.workflowId, { type: 'RetryWorkflow' }, request);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/workflow/:workflowId/restart',
    operationId: 'restartWorkflow',
    summary: 'Run an ended execution again from the start (useLatestDefinitions=true moves it to the latest definition)',
    params: idParams,
    query: z.object({ useLatestDefinitions: z.enum(['true', 'false']).default('false') }),
    responses: { 204: { description: 'Restarted' }, ...refused },
    handler: async (request) => {
      const { workflowId } = request.params;
      await act(deps, workflowId, await restartAction(deps, workflowId, request.query.useLatestDefinitions === 'true'), request);
      return { status: 204 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/workflow/:workflowId/rerun',
    operationId: 'rerunWorkflow',
    summary: 'Rerun an ended execution from a task (reRunFromTaskId) or from the start, with new input if given',
    params: idParams,
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
      );
      return { status: 200, body: request.params.workflowId };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/workflow/:workflowId/skiptask/:taskReferenceName',
    operationId: 'skipTask',
    summary: 'Skip a task not scheduled yet: it is marked SKIPPED and the execution moves past it',
    params: z.object({ workflowId: z.string().min(1), taskReferenceName: z.string().min(1) }),
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
      );
      return { status: 200 };
    },
  }),
];
