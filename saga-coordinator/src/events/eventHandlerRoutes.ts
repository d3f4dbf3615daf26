import { ValidationError } from '@waggle/errors';
import { defineRoute, type Route } from '@waggle/http';
import { z } from 'zod';
import type { ScriptEvaluator } from '../engine/scriptEvaluator.ts';
import { validateEventHandler, type EventHandler } from './eventHandler.ts';
import type { EventHandlerStore } from './eventHandlerStore.ts';

const handlerBody = z
  .looseObject({ name: z.string(), event: z.string(), actions: z.array(z.looseObject({ action: z.string() })) })
  .meta({ id: 'EventHandler' });
const ok = { 200: { description: 'Done (empty body)' } };

const checked = (body: unknown, scripts: ScriptEvaluator): EventHandler => {
  const handler = body as EventHandler;
  const problems = validateEventHandler(handler, (script) => scripts.checkJavaScript(script));
  if (problems.length > 0)
    throw new ValidationError(
      `Validation failed, check below errors for detail: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
      problems,
    );
  return handler;
};

/** Conductor's event handler API (`/api/event`): an event on a Kafka topic starts a workflow. */
export const eventHandlerRoutes = (deps: { readonly handlers: EventHandlerStore; readonly scripts: ScriptEvaluator }): Route[] => [
  defineRoute({
    method: 'post',
    path: '/api/event',
    operationId: 'addEventHandler',
    summary: 'Add an event handler (409 when the name exists)',
    body: handlerBody,
    responses: { ...ok, 400: { description: 'Invalid handler, each problem with its path' }, 409: { description: 'Exists already' } },
    handler: async ({ body }) => {
      await deps.handlers.add(checked(body, deps.scripts));
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/event',
    operationId: 'updateEventHandler',
    summary: 'Replace an event handler (404 when there is none by that name)',
    body: handlerBody,
    responses: { ...ok, 400: { description: 'Invalid handler' }, 404: { description: 'No such handler' } },
    handler: async ({ body }) => {
      await deps.handlers.update(checked(body, deps.scripts));
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/event',
    operationId: 'getEventHandlers',
    summary: 'Every event handler',
    responses: { 200: { description: 'EventHandler list', schema: z.array(handlerBody) } },
    handler: async () => ({ status: 200, body: await deps.handlers.list() }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/event/:event',
    operationId: 'getEventHandlersForEvent',
    summary: 'The handlers of one event (`kafka:<topic>`), active ones only unless activeOnly=false',
    params: z.object({ event: z.string().min(1) }),
    query: z.object({ activeOnly: z.enum(['true', 'false']).default('true') }),
    responses: { 200: { description: 'EventHandler list', schema: z.array(handlerBody) } },
    handler: async ({ params, query }) => ({ status: 200, body: await deps.handlers.forEvent(params.event, query.activeOnly === 'true') }),
  }),
  defineRoute({
    method: 'delete',
    path: '/api/event/:name',
    operationId: 'removeEventHandler',
    summary: 'Remove an event handler',
    params: z.object({ name: z.string().min(1) }),
    responses: { ...ok, 404: { description: 'No such handler' } },
    handler: async ({ params }) => {
      await deps.handlers.remove(params.name);
      return { status: 200 };
    },
  }),
];
