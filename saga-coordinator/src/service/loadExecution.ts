import type { Decider, EventStore } from '@waggle/event-store';
import type { EngineInput } from '../engine/engineInput.ts';
import type { Execution } from '../engine/execution.ts';
import type { ExecutionEvent } from '../engine/executionEvents.ts';

/** An execution as its history folds it (from its snapshot when one fits), with its stream version. */
export const loadExecution = async (
  store: EventStore,
  decider: Decider<EngineInput, ExecutionEvent, Execution>,
  workflowId: string,
): Promise<{ execution: Execution; version: number }> => {
  const snapshot = await store.readSnapshot(workflowId);
  const usable = snapshot !== undefined && snapshot.schemaVersion === (decider.stateVersion ?? 1);
  const slice = await store.readStream(workflowId, { fromVersion: usable ? snapshot.version : 0 });
  const start = usable ? (snapshot.state as Execution) : decider.initialState();
  return {
    execution: slice.events.reduce((state, event) => decider.evolve(state, event as unknown as ExecutionEvent), start),
    version: slice.version,
  };
};
