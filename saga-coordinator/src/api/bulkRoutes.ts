import { defineRoute, type Route } from '@waggle/http';
import { z } from 'zod';
import type { OperatorAction } from '../service/inputRecords.ts';
import type { ApiDeps } from './apiDeps.ts';
import { act, archiveWorkflow, operatorHeaders, reasonQuery, removeAction, restartAction } from './operatorRoutes.ts';

const ids = z
  .array(z.string().min(1))
  .min(1, 'WorkflowIds list cannot be null.')
  .max(1000, 'Cannot process more than 1000 workflows. Please use multiple requests.');
const bulkResponse = {
  200: { description: 'BulkResponse: {bulkSuccessfulResults: [id], bulkErrorResults: {id: message}}' },
  400: { description: 'No ids, or more than 1000' },
};
const flag = z.enum(['true', 'false']).default('false');

/** Each id on its own, a few at a time, best effort: Conductor's BulkResponse of the successes and each failure's message. */
const eachOf = async (workflowIds: readonly string[], run: (id: string) => Promise<void>) => {
  const bulkSuccessfulResults: string[] = [];
  const bulkErrorResults: Record<string, string> = {};
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < workflowIds.length) {
      const id = workflowIds[next++] as string;
      try {
        await run(id);
        bulkSuccessfulResults.push(id);
      } catch (error) {
        bulkErrorResults[id] = error instanceof Error ? error.message : String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, workflowIds.length) }, lane));
  return { status: 200, body: { bulkSuccessfulResults, bulkErrorResults } };
};

const bulk = (
  deps: ApiDeps,
  method: 'put' | 'post' | 'delete',
  verb: string,
  summary: string,
  query: z.ZodType<Record<string, string>>,
  toAction: (id: string, query: Record<string, string>) => Promise<OperatorAction> | OperatorAction,
): Route =>
  defineRoute({
    method,
    path: `/api/workflow/bulk/${verb}`,
    operationId: `bulk${verb
      .split('-')
      .map((word) => `${word[0]?.toUpperCase() ?? ''}${word.slice(1)}`)
      .join('')}`,
    headers: operatorHeaders,
    summary,
    body: ids,
    query,
    responses: bulkResponse,
    handler: async (request) =>
      eachOf(request.body, async (id) => act(deps, id, await toAction(id, request.query), request, request.query['reason'])),
  });

/**
 * Conductor's bulk operator actions, each recorded in its execution's history with `?reason=` and the operator header
 * (registered before the single-execution routes, whose `:workflowId` would match `bulk`).
 */
export const bulkRoutes = (deps: ApiDeps): Route[] => [
  bulk(deps, 'put', 'pause', 'Pause executions', reasonQuery, () => ({ type: 'PauseWorkflow' })),
  bulk(deps, 'put', 'resume', 'Resume executions', reasonQuery, () => ({ type: 'ResumeWorkflow' })),
  bulk(deps, 'post', 'retry', 'Retry failed executions', reasonQuery, () => ({ type: 'RetryWorkflow' })),
  bulk(deps, 'post', 'restart', 'Restart ended executions', reasonQuery.extend({ useLatestDefinitions: flag }), (id, query) =>
    restartAction(deps, id, query['useLatestDefinitions'] === 'true'),
  ),
  bulk(
    deps,
    'post',
    'terminate',
    'Terminate executions (compensate=true: a waggle extension)',
    reasonQuery.extend({ compensate: flag }),
    (_id, query) => ({
      type: 'TerminateWorkflow',
      ...(query['reason'] === undefined ? {} : { reason: query['reason'] }),
      compensate: query['compensate'] === 'true',
    }),
  ),
  bulk(deps, 'delete', 'remove', 'Remove ended executions (their history stays)', reasonQuery.extend({ archiveWorkflow }), () => ({
    type: 'RemoveWorkflow',
  })),
  bulk(
    deps,
    'delete',
    'terminate-remove',
    'Terminate executions that still run (no compensation), then remove them',
    reasonQuery.extend({ archiveWorkflow }),
    (_id, query) => removeAction(query['reason']),
  ),
];
