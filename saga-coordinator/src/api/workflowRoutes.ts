import { defineRoute, type Route } from '@waggle/http';
import { z } from 'zod';
import { toWorkflowJson } from '../engine/toWorkflowJson.ts';
import type { WorkflowDef } from '../engine/workflowDef.ts';
import type { ApiDeps } from './apiDeps.ts';
import { readExecution } from './readExecution.ts';
import { startWorkflow } from './startWorkflow.ts';

const input = z.record(z.string(), z.unknown());
const strategy = z.enum(['FAIL', 'RETURN_EXISTING', 'FAIL_ON_RUNNING']);
const startBody = z
  .looseObject({
    name: z.string().min(1),
    version: z.number().int().min(1).optional(),
    correlationId: z.string().max(256).optional(),
    input: input.optional(),
    priority: z.number().int().min(0).max(99).optional(),
    idempotencyKey: z.string().min(1).max(256).optional(),
    idempotencyStrategy: strategy.optional(),
    workflowDef: z.looseObject({ name: z.string(), tasks: z.array(z.looseObject({})) }).optional(),
  })
  .meta({ id: 'StartWorkflowRequest' });
const idParams = z.object({ workflowId: z.string().min(1) });
const started = {
  200: { description: 'The execution id (text/plain)' },
  400: { description: 'Invalid request' },
  404: { description: 'No such definition' },
  409: { description: 'The idempotency key is taken' },
};

/** Conductor's workflow API: starting and reading executions (search: searchRoutes). */
export const workflowRoutes = (deps: ApiDeps): Route[] => [
  defineRoute({
    method: 'post',
    path: '/api/workflow',
    operationId: 'startWorkflow',
    summary: 'Start an execution (StartWorkflowRequest; idempotencyKey + idempotencyStrategy enforced)',
    body: startBody,
    responses: started,
    handler: async ({ body, requestId, traceparent }) => ({
      status: 200,
      body: await startWorkflow(
        deps,
        { ...body, workflowDef: body.workflowDef as WorkflowDef | undefined },
        { causationId: requestId, traceparent },
      ),
    }),
  }),
  defineRoute({
    method: 'post',
    path: '/api/workflow/:name',
    operationId: 'startWorkflowByName',
    summary: 'Start an execution of a registered definition with the body as its input',
    params: z.object({ name: z.string().min(1) }),
    query: z.object({
      version: z.coerce.number().int().min(1).optional(),
      correlationId: z.string().max(256).optional(),
      priority: z.coerce.number().int().min(0).max(99).optional(),
    }),
    body: input.optional(),
    responses: started,
    handler: async ({ params, query, body, requestId, traceparent }) => ({
      status: 200,
      body: await startWorkflow(deps, { name: params.name, ...query, input: body ?? {} }, { causationId: requestId, traceparent }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/workflow/:name/correlated/:correlationId',
    operationId: 'getCorrelatedWorkflows',
    summary: 'Executions of a definition with a correlation id (running ones only unless includeClosed=true)',
    params: z.object({ name: z.string().min(1), correlationId: z.string().min(1) }),
    query: z.object({
      includeClosed: z.enum(['true', 'false']).default('false'),
      includeTasks: z.enum(['true', 'false']).default('false'),
    }),
    responses: { 200: { description: 'Workflow list' } },
    handler: async ({ params, query }) => {
      const found = await deps.index.search({
        filter: {
          workflowType: params.name,
          correlationId: params.correlationId,
          ...(query.includeClosed === 'true' ? {} : { status: { $in: ['RUNNING', 'PAUSED'] } }),
        },
        sort: [['startTime', 1]],
        start: 0,
        size: 1000,
      });
      const executions = await Promise.all(found.results.map((summary) => readExecution(deps, summary.workflowId)));
      return {
        status: 200,
        body: executions.map((execution) => toWorkflowJson(execution, { includeTasks: query.includeTasks === 'true' })),
      };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/workflow/:workflowId',
    operationId: 'getWorkflow',
    summary: 'An execution as Conductor shows it (Workflow JSON, with its tasks unless includeTasks=false)',
    params: idParams,
    query: z.object({ includeTasks: z.enum(['true', 'false']).default('true') }),
    responses: { 200: { description: 'Workflow' }, 404: { description: 'No such execution' } },
    handler: async ({ params, query }) => ({
      status: 200,
      body: toWorkflowJson(await readExecution(deps, params.workflowId), { includeTasks: query.includeTasks === 'true' }),
    }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/workflow/:workflowId/status',
    operationId: 'getWorkflowStatus',
    summary: "An execution's status (with output and variables when asked)",
    params: idParams,
    query: z.object({
      includeOutput: z.enum(['true', 'false']).default('false'),
      includeVariables: z.enum(['true', 'false']).default('false'),
    }),
    responses: {
      200: { description: '{workflowId, correlationId, status, output?, variables?}' },
      404: { description: 'No such execution' },
    },
    handler: async ({ params, query }) => {
      const execution = await readExecution(deps, params.workflowId);
      return {
        status: 200,
        body: {
          workflowId: execution.workflowId,
          ...(execution.correlationId === undefined ? {} : { correlationId: execution.correlationId }),
          status: execution.status,
          ...(query.includeOutput === 'true' ? { output: execution.output } : {}),
          ...(query.includeVariables === 'true' ? { variables: execution.variables } : {}),
        },
      };
    },
  }),
];
