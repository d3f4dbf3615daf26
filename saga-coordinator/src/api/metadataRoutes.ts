import { NotFoundError, ValidationError } from '@waggle/errors';
import { defineRoute, type Route } from '@waggle/http';
import { z } from 'zod';
import { validateTaskDef } from '../engine/validateTaskDef.ts';
import { validateWorkflowDef } from '../engine/validateWorkflowDef.ts';
import type { TaskDef, WorkflowDef } from '../engine/workflowDef.ts';
import type { ApiDeps } from './apiDeps.ts';

const workflowDefBody = z.looseObject({ name: z.string(), tasks: z.array(z.looseObject({})) }).meta({ id: 'WorkflowDef' });
const taskDefBody = z.looseObject({ name: z.string().min(1) }).meta({ id: 'TaskDef' });
const nameParams = z.object({ name: z.string().min(1) });
const ok = { 200: { description: 'Done (empty body)' } };
const defResponse = { 200: { description: 'The definition', schema: workflowDefBody }, 404: { description: 'No such definition' } };

const invalid = (problems: readonly { path: string; message: string; invalidValue?: unknown }[]): ValidationError =>
  new ValidationError(
    `Validation failed, check below errors for detail: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}`,
    problems,
  );

/** A definition as register and validate check it: Conductor's rules plus what waggle cannot run, each with its path. */
export const checkWorkflowDef = async (deps: ApiDeps, def: WorkflowDef): Promise<void> => {
  const check = validateWorkflowDef(def, { taskDefs: await deps.metadata.listTaskDefs(), scripts: deps.scripts });
  if (!check.ok) throw invalid(check.validationErrors);
};

const checkTaskDefs = (defs: readonly TaskDef[]): void => {
  const problems = defs.flatMap((def, index) => validateTaskDef(def).map((p) => ({ ...p, path: p.path.replace(/^\$/, `$[${index}]`) })));
  if (problems.length > 0) throw invalid(problems);
};

/** Conductor's metadata API: workflow and task definitions. */
export const metadataRoutes = (deps: ApiDeps): Route[] => [
  defineRoute({
    method: 'post',
    path: '/api/metadata/workflow/validate',
    operationId: 'validateWorkflowDef',
    summary: 'Check a workflow definition without registering it',
    body: workflowDefBody,
    responses: { ...ok, 400: { description: 'validationErrors name each problem with its JSON path' } },
    handler: async ({ body }) => {
      await checkWorkflowDef(deps, body as unknown as WorkflowDef);
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/metadata/workflow',
    operationId: 'registerWorkflowDef',
    summary: 'Register a workflow definition (409 when name+version exists, unless overwrite=true)',
    body: workflowDefBody,
    query: z.object({ overwrite: z.enum(['true', 'false']).default('false') }),
    responses: { ...ok, 400: { description: 'Invalid definition' }, 409: { description: 'Exists already' } },
    handler: async ({ body, query }) => {
      const def = body as unknown as WorkflowDef;
      await checkWorkflowDef(deps, def);
      await deps.metadata.putWorkflowDef(def, { overwrite: query.overwrite === 'true' });
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/metadata/workflow',
    operationId: 'updateWorkflowDefs',
    summary: 'Create or update workflow definitions',
    body: z.array(workflowDefBody).min(1),
    responses: { 200: { description: 'BulkResponse with the names' }, 400: { description: 'Invalid definition' } },
    handler: async ({ body }) => {
      const defs = body as unknown as WorkflowDef[];
      for (const def of defs) await checkWorkflowDef(deps, def);
      for (const def of defs) await deps.metadata.putWorkflowDef(def, { overwrite: true });
      return { status: 200, body: { bulkSuccessfulResults: defs.map((def) => def.name), bulkErrorResults: {} } };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/metadata/workflow',
    operationId: 'listWorkflowDefs',
    summary: 'Every version of every workflow definition',
    responses: { 200: { description: 'WorkflowDef list' } },
    handler: async () => ({ status: 200, body: await deps.metadata.listWorkflowDefs() }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/metadata/workflow/latest-versions',
    operationId: 'latestWorkflowDefs',
    summary: 'The latest version of each workflow definition',
    responses: { 200: { description: 'WorkflowDef list' } },
    handler: async () => {
      const latest = new Map<string, WorkflowDef>();
      for (const def of await deps.metadata.listWorkflowDefs()) latest.set(def.name, def);
      return { status: 200, body: [...latest.values()] };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/metadata/workflow/names-and-versions',
    operationId: 'workflowNamesAndVersions',
    summary: 'Every definition name with its versions',
    responses: { 200: { description: '{name: [{name, version, createTime, updateTime}]}' } },
    handler: async () => {
      const byName: Record<string, { name: string; version: number; createTime?: unknown; updateTime?: unknown }[]> = {};
      for (const def of await deps.metadata.listWorkflowDefs())
        (byName[def.name] ??= []).push({
          name: def.name,
          version: def.version ?? 1,
          createTime: def['createTime'],
          updateTime: def['updateTime'],
        });
      return { status: 200, body: byName };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/metadata/workflow/:name',
    operationId: 'getWorkflowDef',
    summary: 'A workflow definition (the latest version unless version= is given)',
    params: nameParams,
    query: z.object({ version: z.coerce.number().int().min(1).optional() }),
    responses: defResponse,
    handler: async ({ params, query }) => ({ status: 200, body: await deps.metadata.getWorkflowDef(params.name, query.version) }),
  }),
  defineRoute({
    method: 'delete',
    path: '/api/metadata/workflow/:name/:version',
    operationId: 'deleteWorkflowDef',
    summary: 'Remove a workflow definition version (running executions keep their copy)',
    params: z.object({ name: z.string().min(1), version: z.coerce.number().int().min(1) }),
    responses: { ...ok, 404: { description: 'No such definition' } },
    handler: async ({ params }) => {
      await deps.metadata.deleteWorkflowDef(params.name, params.version);
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/api/metadata/taskdefs',
    operationId: 'registerTaskDefs',
    summary: 'Register task definitions',
    body: z.array(taskDefBody).min(1),
    responses: { ...ok, 400: { description: 'Invalid task definition' } },
    handler: async ({ body }) => {
      const defs = body as unknown as TaskDef[];
      checkTaskDefs(defs);
      await deps.metadata.putTaskDefs(defs);
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'put',
    path: '/api/metadata/taskdefs',
    operationId: 'updateTaskDef',
    summary: 'Update a registered task definition',
    body: taskDefBody,
    responses: { ...ok, 404: { description: 'No such task definition' } },
    handler: async ({ body }) => {
      const def = body as unknown as TaskDef;
      checkTaskDefs([def]);
      if ((await deps.metadata.findTaskDef(def.name)) === undefined) return notFoundTask(def.name);
      await deps.metadata.putTaskDefs([def]);
      return { status: 200 };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/api/metadata/taskdefs',
    operationId: 'listTaskDefs',
    summary: 'Every task definition',
    responses: { 200: { description: 'TaskDef list' } },
    handler: async () => ({ status: 200, body: await deps.metadata.listTaskDefs() }),
  }),
  defineRoute({
    method: 'get',
    path: '/api/metadata/taskdefs/:name',
    operationId: 'getTaskDef',
    summary: 'A task definition',
    params: nameParams,
    responses: { 200: { description: 'TaskDef', schema: taskDefBody }, 404: { description: 'No such task definition' } },
    handler: async ({ params }) => {
      const def = await deps.metadata.findTaskDef(params.name);
      return def === undefined ? notFoundTask(params.name, 'taskType found') : { status: 200, body: def };
    },
  }),
  defineRoute({
    method: 'delete',
    path: '/api/metadata/taskdefs/:name',
    operationId: 'deleteTaskDef',
    summary: 'Remove a task definition',
    params: nameParams,
    responses: { ...ok, 404: { description: 'No such task definition' } },
    handler: async ({ params }) => {
      await deps.metadata.deleteTaskDef(params.name);
      return { status: 200 };
    },
  }),
];

const notFoundTask = (name: string, what = 'task'): never => {
  throw new NotFoundError(`No such ${what} by name: ${name}`);
};
