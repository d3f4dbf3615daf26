import type {
  Compensation,
  CompensationStatus,
  OperatorActionRecord,
  TaskRecord,
  TaskResult,
  TaskStatus,
  WorkflowStatus,
} from './execution.ts';
import type { EngineCommand } from './engineCommand.ts';
import type { TaskDef, WorkflowDef } from './workflowDef.ts';

/** Every transition of an execution; `at` is the input's time (epoch ms). */
export type ExecutionEvent =
  | {
      readonly type: 'WorkflowStarted';
      readonly data: {
        readonly workflowId: string;
        readonly definition: WorkflowDef;
        readonly taskDefs: Readonly<Record<string, TaskDef>>;
        readonly input: Readonly<Record<string, unknown>>;
        readonly correlationId?: string;
        readonly parentWorkflowId?: string;
        readonly parentWorkflowTaskId?: string;
        readonly priority: number;
        readonly at: number;
      };
    }
  | { readonly type: 'TaskScheduled'; readonly data: { readonly task: TaskRecord } }
  | {
      readonly type: 'TaskUpdated';
      readonly data: {
        readonly taskId: string;
        readonly status: TaskStatus;
        readonly at: number;
        readonly outputData?: Readonly<Record<string, unknown>>;
        readonly inputData?: Readonly<Record<string, unknown>>;
        readonly reasonForIncompletion?: string;
        readonly callbackAfterSeconds?: number;
        readonly workerId?: string;
        readonly subWorkflowId?: string;
        readonly started?: boolean;
        /** Handed out to wait for a worker to take it within its def's `pollTimeoutSeconds` (true), or taken (false). */
        readonly awaitingPoll?: boolean;
      };
    }
  | { readonly type: 'VariablesUpdated'; readonly data: { readonly variables: Readonly<Record<string, unknown>>; readonly at: number } }
  | { readonly type: 'TaskResultBuffered'; readonly data: { readonly result: TaskResult; readonly at: number } }
  | { readonly type: 'BufferedResultApplied'; readonly data: { readonly index: number; readonly taskId: string } }
  | { readonly type: 'LateTaskResultRecorded'; readonly data: { readonly result: TaskResult; readonly at: number; readonly note: string } }
  | { readonly type: 'WorkflowPaused'; readonly data: { readonly at: number } }
  | { readonly type: 'WorkflowResumed'; readonly data: { readonly at: number } }
  | { readonly type: 'ContinuationDeferred'; readonly data: { readonly taskId: string } }
  /** A timeout with policy ALERT_ONLY passed: recorded (Conductor counts a metric), nothing else happens. */
  | {
      readonly type: 'TimeoutAlerted';
      readonly data: { readonly timer: 'timeout' | 'pollTimeout' | 'workflowTimeout'; readonly taskId?: string; readonly at: number };
    }
  | { readonly type: 'ForkBranchEnded'; readonly data: { readonly branch: string } }
  | {
      readonly type: 'TaskSkipRequested';
      readonly data: {
        readonly referenceTaskName: string;
        readonly taskInput: Record<string, unknown>;
        readonly taskOutput: Record<string, unknown>;
      };
    }
  | { readonly type: 'CompensationStarted'; readonly data: Omit<Compensation, 'status'> & { readonly at: number } }
  | { readonly type: 'CompensationEnded'; readonly data: { readonly status: CompensationStatus; readonly at: number } }
  | {
      readonly type: 'WorkflowEnded';
      readonly data: {
        readonly status: Exclude<WorkflowStatus, 'RUNNING' | 'PAUSED'>;
        readonly at: number;
        readonly output: Readonly<Record<string, unknown>>;
        readonly reasonForIncompletion?: string;
        readonly failedReferenceTaskNames?: readonly string[];
        readonly failedTaskNames?: readonly string[];
        readonly failureWorkflowId?: string;
      };
    }
  | { readonly type: 'WorkflowRetried'; readonly data: { readonly at: number } }
  /** An operator asked for an action (and it was not refused): who, when, why. The action's own events follow. */
  | { readonly type: 'OperatorActionRecorded'; readonly data: OperatorActionRecord }
  | { readonly type: 'WorkflowRemoved'; readonly data: { readonly at: number } }
  /** What a decision asked the service to do, kept with its events so an outbox relays it (no dual write). */
  | { readonly type: 'CommandsIssued'; readonly data: { readonly commands: readonly EngineCommand[] } }
  | {
      readonly type: 'WorkflowRerun';
      readonly data: { readonly at: number; readonly fromSeq: number; readonly input?: Readonly<Record<string, unknown>> };
    }
  | {
      readonly type: 'WorkflowRestarted';
      readonly data: { readonly at: number; readonly definition: WorkflowDef; readonly taskDefs: Readonly<Record<string, TaskDef>> };
    };

export type ExecutionEventType = ExecutionEvent['type'];
