import type { Timer } from './engineInput.ts';
import type { WorkflowStatus } from './execution.ts';
import type { WorkflowDef } from './workflowDef.ts';

/** What the service must do for a decision: I/O the decider only asks for. */
export type EngineCommand =
  | {
      /** A task for a worker (SIMPLE, DYNAMIC) or the HTTP executor; `taskId` is also its idempotency key. */
      readonly type: 'DispatchTask';
      readonly workflowId: string;
      readonly taskId: string;
      readonly taskType: string;
      readonly referenceTaskName: string;
      readonly retryCount: number;
      readonly inputData: Readonly<Record<string, unknown>>;
      readonly correlationId?: string;
      /** Set when the task's def has one: a worker on Kafka then acknowledges the task as soon as it receives it. */
      readonly pollTimeoutSeconds?: number;
    }
  | {
      /**
       * A task whose def limits it (concurrentExecLimit, rateLimitPerFrequency per rateLimitFrequencyInSeconds) waits
       * SCHEDULED for a slot: the service grants it as a `slot` timer when the limits allow, then it is dispatched.
       */
      readonly type: 'RequestSlot';
      readonly workflowId: string;
      readonly taskId: string;
      readonly taskType: string;
      readonly requestedAt: number;
      readonly concurrentExecLimit?: number;
      readonly rateLimitPerFrequency?: number;
      readonly rateLimitFrequencyInSeconds?: number;
    }
  | { readonly type: 'CancelTask'; readonly workflowId: string; readonly taskId: string; readonly taskType: string }
  | {
      readonly type: 'StartWorkflow';
      readonly purpose: 'SUB_WORKFLOW' | 'FAILURE_WORKFLOW';
      /** Derived from the parent and the task attempt, so a repeated start is the same child. */
      readonly workflowId: string;
      readonly name: string;
      readonly version?: number;
      readonly definition?: WorkflowDef;
      readonly input: Readonly<Record<string, unknown>>;
      readonly correlationId?: string;
      readonly parentWorkflowId?: string;
      readonly parentWorkflowTaskId?: string;
    }
  | { readonly type: 'TerminateWorkflow'; readonly workflowId: string; readonly reason: string }
  /** Resumes a failed child from its failed step (a parent's retry with resumeSubworkflowTasks). */
  | { readonly type: 'RetryWorkflow'; readonly workflowId: string }
  /** Tells the parent its child runs again (retried or rerun), so the parent resumes too, up the chain. */
  | {
      readonly type: 'NotifyParentRetried';
      readonly parentWorkflowId: string;
      readonly parentWorkflowTaskId: string;
      readonly workflowId: string;
    }
  | {
      readonly type: 'PublishEvent';
      readonly workflowId: string;
      readonly taskId: string;
      readonly sink: string;
      readonly payload: Readonly<Record<string, unknown>>;
    }
  | {
      readonly type: 'ScheduleTimer';
      readonly workflowId: string;
      readonly timerId: string;
      readonly fireAt: number;
      readonly timer: Timer;
    }
  | {
      readonly type: 'NotifyParent';
      readonly parentWorkflowId: string;
      readonly parentWorkflowTaskId: string;
      readonly workflowId: string;
      readonly status: Exclude<WorkflowStatus, 'RUNNING' | 'PAUSED'>;
      readonly output: Readonly<Record<string, unknown>>;
      readonly reasonForIncompletion?: string;
    };
