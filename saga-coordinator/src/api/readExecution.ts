import { NotFoundError } from '@waggle/errors';
import type { StartedExecution } from '../engine/execution.ts';
import { loadExecution } from '../service/loadExecution.ts';
import type { ApiDeps } from './apiDeps.ts';

/** An execution by id, or Conductor's 404. */
export const readExecution = async (deps: ApiDeps, workflowId: string): Promise<StartedExecution> => {
  const { execution } = await loadExecution(deps.store, deps.decider, workflowId);
  if (execution.status === 'NONE' || execution.removed === true) throw new NotFoundError(`No such workflow found by id: ${workflowId}`);
  return execution;
};
