import { randomUUID } from 'node:crypto';
import { RuleViolationError } from '@waggle/errors';
import { isTerminalWorkflow } from '../engine/execution.ts';
import type { WorkflowDef } from '../engine/workflowDef.ts';
import { stableId } from '../service/inputRecords.ts';
import { loadExecution } from '../service/loadExecution.ts';
import type { ApiDeps } from './apiDeps.ts';
import type { RequestCause } from './inputGateway.ts';
import { checkWorkflowDef } from './metadataRoutes.ts';

/** Conductor's StartWorkflowRequest (the fields waggle reads). */
export type StartRequest = {
  readonly name: string;
  readonly version?: number | undefined;
  readonly correlationId?: string | undefined;
  readonly input?: Readonly<Record<string, unknown>> | undefined;
  readonly priority?: number | undefined;
  readonly idempotencyKey?: string | undefined;
  readonly idempotencyStrategy?: 'FAIL' | 'RETURN_EXISTING' | 'FAIL_ON_RUNNING' | undefined;
  readonly workflowDef?: WorkflowDef | undefined;
};

const asUuid = (hex: string): string =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;

/**
 * The execution id of an idempotency key's nth run: derived, so concurrent starts with one key name the same
 * execution and its owner applies exactly one of them (the others decide nothing).
 */
export const keyedWorkflowId = (name: string, key: string, run: number): string => asUuid(stableId(`${name}\u0000${key}\u0000${run}`));

/**
 * Starts an execution and answers its id once its owner applied the start. With an idempotency key (enforced, unlike
 * conductor-oss#1527): FAIL answers 409 when the key was used, RETURN_EXISTING answers the existing id, FAIL_ON_RUNNING
 * answers 409 while the key's last run is not terminal and starts a new run once it is.
 */
export const startWorkflow = async (deps: ApiDeps, request: StartRequest, cause: RequestCause): Promise<string> => {
  const definition = request.workflowDef ?? (await deps.metadata.getWorkflowDef(request.name, request.version));
  if (request.workflowDef !== undefined) await checkWorkflowDef(deps, request.workflowDef);
  const taskDefs = await deps.metadata.taskDefsFor(definition);
  const start = (workflowId: string) =>
    deps.gateway.apply(
      {
        kind: 'start',
        workflowId,
        name: definition.name,
        version: definition.version ?? 1,
        definition,
        taskDefs,
        input: request.input ?? {},
        priority: request.priority ?? 0,
        ...(request.correlationId === undefined ? {} : { correlationId: request.correlationId }),
      },
      { ...cause, ...(request.correlationId === undefined ? {} : { correlationId: request.correlationId }) },
    );
  if (request.idempotencyKey === undefined) {
    const workflowId = randomUUID();
    await start(workflowId);
    return workflowId;
  }
  const key = request.idempotencyKey;
  const strategy = request.idempotencyStrategy ?? 'FAIL';
  for (let attempt = 0; attempt < 20; attempt += 1) {
    // the key's runs are 0, 1, …: find the last one that exists
    let run = -1;
    let last: Awaited<ReturnType<typeof loadExecution>> | undefined;
    for (;;) {
      const next = await loadExecution(deps.store, deps.decider, keyedWorkflowId(definition.name, key, run + 1));
      if (next.version === 0) break;
      run += 1;
      last = next;
    }
    const existing = keyedWorkflowId(definition.name, key, run);
    if (last !== undefined) {
      if (strategy === 'RETURN_EXISTING') return existing;
      if (strategy === 'FAIL') throw new RuleViolationError(`Workflow with idempotencyKey ${key} already exists: ${existing}`);
      if (!isTerminalWorkflow(last.execution.status))
        throw new RuleViolationError(`Workflow with idempotencyKey ${key} is ${last.execution.status}: ${existing}`);
    }
    const workflowId = keyedWorkflowId(definition.name, key, run + 1);
    if ((await start(workflowId)).applied) return workflowId;
    // another request with the key started that run first: decide again with it in view
  }
  throw new RuleViolationError(`too many concurrent starts with idempotencyKey ${key}; try again`);
};
