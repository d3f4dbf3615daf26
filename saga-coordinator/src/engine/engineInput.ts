import type { TaskResult, WorkflowStatus } from './execution.ts';
import type { TaskDef, WorkflowDef } from './workflowDef.ts';

/** A durable timer the service keeps and fires back as a FireTimer input. */
export type Timer =
  | {
      readonly kind: 'retry' | 'wait' | 'timeout' | 'responseTimeout' | 'pollTimeout' | 'callback';
      readonly taskId: string;
    }
  /** Not a clock: the service's task gate granted a postponed task its slot (concurrentExecLimit, rate limit). */
  | { readonly kind: 'slot'; readonly taskId: string }
  | { readonly kind: 'workflowTimeout' };

/** Who asked for an operator action and why: recorded in the execution's history (a waggle extension). */
export type OperatorNote = { readonly actor: string; readonly reason?: string };

/** Time comes in with every input, never from a clock inside the decider. */
export type InputMeta = { readonly at: number };

/** Everything that moves an execution. */
export type EngineInput = { readonly meta: InputMeta } & (
  | {
      readonly type: 'StartWorkflow';
      readonly workflowId: string;
      readonly definition: WorkflowDef;
      readonly taskDefs?: readonly TaskDef[];
      readonly input?: Readonly<Record<string, unknown>>;
      readonly correlationId?: string;
      readonly priority?: number;
      readonly parentWorkflowId?: string;
      readonly parentWorkflowTaskId?: string;
    }
  | { readonly type: 'ReportTaskResult'; readonly result: TaskResult }
  | {
      readonly type: 'ReportSubWorkflowEnded';
      readonly taskId: string;
      readonly subWorkflowId: string;
      readonly status: Exclude<WorkflowStatus, 'RUNNING' | 'PAUSED'>;
      readonly output?: Readonly<Record<string, unknown>>;
      readonly reasonForIncompletion?: string;
    }
  | { readonly type: 'FireTimer'; readonly timerId: string; readonly timer: Timer }
  | { readonly type: 'PauseWorkflow'; readonly by?: OperatorNote }
  | { readonly type: 'ResumeWorkflow'; readonly by?: OperatorNote }
  | { readonly type: 'TerminateWorkflow'; readonly reason?: string; readonly compensate?: boolean; readonly by?: OperatorNote }
  | {
      readonly type: 'RetryWorkflow';
      readonly by?: OperatorNote;
      /** Conductor's resumeSubworkflowTasks: a failed sub-workflow is retried inside the child, from its failed step. */
      readonly resumeSubworkflowTasks?: boolean;
      /** Sent by the parent to resume its child: a child that cannot be retried answers with its end instead. */
      readonly fromParent?: boolean;
    }
  /** A child retried or rerun: the parent's failed SUB_WORKFLOW task waits for it again (Conductor's updateAndPushParents). */
  | { readonly type: 'ReportSubWorkflowRetried'; readonly taskId: string; readonly subWorkflowId: string }
  | {
      readonly type: 'RerunWorkflow';
      readonly by?: OperatorNote;
      readonly reRunFromTaskId?: string;
      readonly taskInput?: Readonly<Record<string, unknown>>;
      readonly workflowInput?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly type: 'RestartWorkflow';
      readonly definition?: WorkflowDef;
      readonly taskDefs?: readonly TaskDef[];
      readonly by?: OperatorNote;
    }
  /** Conductor's remove; `terminate` (terminate-remove) ends a running execution first, with `reason`. */
  | { readonly type: 'RemoveWorkflow'; readonly terminate?: boolean; readonly reason?: string; readonly by?: OperatorNote }
  | {
      readonly type: 'SkipTask';
      readonly by?: OperatorNote;
      readonly referenceTaskName: string;
      readonly taskInput?: Record<string, unknown>;
      readonly taskOutput?: Record<string, unknown>;
    }
);

export type EngineInputType = EngineInput['type'];

/** The inputs an operator gives (through the API); each may say who and why. */
export type OperatorActionType =
  | 'PauseWorkflow'
  | 'ResumeWorkflow'
  | 'TerminateWorkflow'
  | 'RetryWorkflow'
  | 'RerunWorkflow'
  | 'RestartWorkflow'
  | 'SkipTask'
  | 'RemoveWorkflow';
