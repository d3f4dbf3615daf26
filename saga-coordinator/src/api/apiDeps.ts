import type { Decider, EventStore } from '@waggle/event-store';
import type { EngineInput } from '../engine/engineInput.ts';
import type { Execution } from '../engine/execution.ts';
import type { ExecutionEvent } from '../engine/executionEvents.ts';
import type { ScriptEvaluator } from '../engine/scriptEvaluator.ts';
import type { PollQueue } from '../service/coordinatorStores.ts';
import type { ExecutionIndex } from '../service/executionIndex.ts';
import type { MetadataStore } from '../service/metadataStore.ts';
import type { WorkerSightings } from '../service/workerSightings.ts';
import type { InputGateway } from './inputGateway.ts';

/** What the REST API works with: it reads executions and definitions, and moves executions only through the gateway. */
export type ApiDeps = {
  readonly store: EventStore;
  readonly decider: Decider<EngineInput, ExecutionEvent, Execution>;
  readonly scripts: ScriptEvaluator;
  readonly metadata: MetadataStore;
  readonly index: ExecutionIndex;
  readonly pollQueue: PollQueue;
  readonly workers: WorkerSightings;
  readonly gateway: InputGateway;
};
