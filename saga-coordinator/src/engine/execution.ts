import type { OperatorActionType } from './engineInput.ts';
import type { TaskDef, WorkflowDef, WorkflowTask } from './workflowDef.ts';

export type TaskStatus =
  | 'SCHEDULED'
  | 'IN_PROGRESS'
  | 'COMPLETED'
  | 'COMPLETED_WITH_ERRORS'
  | 'FAILED'
  | 'FAILED_WITH_TERMINAL_ERROR'
  | 'TIMED_OUT'
  | 'CANCELED'
  | 'SKIPPED';
export type WorkflowStatus = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'TERMINATED' | 'PAUSED';
export type CompensationStatus = 'COMPENSATING' | 'COMPENSATED' | 'COMPENSATION_FAILED';

export const isTerminalTask = (status: TaskStatus): boolean => !['SCHEDULED', 'IN_PROGRESS'].includes(status);
export const isSuccessfulTask = (status: TaskStatus): boolean => ['COMPLETED', 'COMPLETED_WITH_ERRORS', 'SKIPPED'].includes(status);
export const isTerminalWorkflow = (status: WorkflowStatus | 'NONE'): boolean =>
  ['COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED'].includes(status);

/** Where a task sits: its fork branches from the root (`forkTaskId/index`), its loop iteration, what it compensates. */
export type Placement = {
  readonly branch: readonly string[];
  readonly iteration: number;
  readonly loopTaskId?: string;
  readonly compensationOf?: string;
};

/** One task attempt, as Conductor's Task record has it (a retry is a new record). */
export type TaskRecord = Placement & {
  readonly taskId: string;
  readonly seq: number;
  readonly referenceTaskName: string;
  /** The ref in the definition (without a loop's `__N`). */
  readonly ref: string;
  readonly type: string;
  readonly taskType: string;
  readonly taskDefName: string;
  readonly workflowTask: WorkflowTask;
  readonly status: TaskStatus;
  readonly inputData: Readonly<Record<string, unknown>>;
  readonly outputData: Readonly<Record<string, unknown>>;
  readonly retryCount: number;
  readonly retried: boolean;
  readonly retriedTaskId?: string;
  readonly scheduledTime: number;
  readonly startTime: number;
  readonly endTime: number;
  readonly updateTime: number;
  readonly reasonForIncompletion?: string;
  readonly callbackAfterSeconds: number;
  readonly pollCount: number;
  /** Handed out under a def's `pollTimeoutSeconds` and not taken by a worker since (a poll, or a Kafka worker's receipt). */
  readonly awaitingPoll?: boolean;
  readonly workerId?: string;
  readonly subWorkflowId?: string;
  /** 1, 2, … in the order tasks completed successfully: compensation runs in reverse of it. */
  readonly completedOrder?: number;
  /** JOIN only: the referenceTaskNames it waits for, and the fork branch each belongs to. */
  readonly joinOn?: readonly string[];
  readonly joinBranches?: Readonly<Record<string, string>>;
};

/** A worker's answer, as Conductor's TaskResult (by task id, or by reference name as update-by-ref does). */
export type TaskResult = {
  readonly taskId?: string;
  readonly referenceTaskName?: string;
  readonly status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'FAILED_WITH_TERMINAL_ERROR';
  readonly outputData?: Readonly<Record<string, unknown>>;
  readonly reasonForIncompletion?: string;
  readonly callbackAfterSeconds?: number;
  readonly workerId?: string;
};

/** An operator action as the execution's history keeps it: what, who, when, why, and the task it aimed at. */
export type OperatorActionRecord = {
  readonly action: OperatorActionType;
  readonly actor: string;
  readonly at: number;
  readonly reason?: string;
  /** The task ref skipped, or the task id a rerun starts from. */
  readonly target?: string;
  readonly compensate?: boolean;
  readonly useLatestDefinitions?: boolean;
};

/**
 * One step of a compensation: the task to undo, after the undos of the tasks that completed later in its line.
 * `awaited`: the task was in flight with a worker when the compensation began; it is waited for, not canceled, and
 * undone unless it ends FAILED (its worker did nothing) — a TIMED_OUT or CANCELED one may have had its effect.
 */
export type CompensationStep = { readonly taskId: string; readonly after: readonly string[]; readonly awaited?: boolean };

export type Compensation = {
  readonly status: CompensationStatus;
  /** The status the execution ends with once compensated. */
  readonly cause: 'FAILED' | 'TIMED_OUT' | 'TERMINATED';
  readonly reason: string;
  readonly viaDecider: boolean;
  /** The task whose failure ended the execution (absent for an operator's terminate): the end names it. */
  readonly failedTaskId?: string;
  readonly plan: readonly CompensationStep[];
};

export type StartedExecution = {
  readonly status: WorkflowStatus;
  readonly workflowId: string;
  readonly definition: WorkflowDef;
  readonly taskDefs: Readonly<Record<string, TaskDef>>;
  readonly input: Readonly<Record<string, unknown>>;
  readonly output: Readonly<Record<string, unknown>>;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly correlationId?: string;
  readonly parentWorkflowId?: string;
  readonly parentWorkflowTaskId?: string;
  readonly priority: number;
  readonly createTime: number;
  readonly updateTime: number;
  readonly endTime?: number;
  readonly lastRetriedTime?: number;
  readonly reasonForIncompletion?: string;
  readonly failedReferenceTaskNames: readonly string[];
  readonly failedTaskNames: readonly string[];
  readonly tasks: readonly TaskRecord[];
  readonly nextSeq: number;
  readonly completions: number;
  /** Results that came before their task was scheduled (Conductor drops these: Netflix/conductor#1640). */
  readonly earlyResults: readonly TaskResult[];
  readonly lateResults: readonly (TaskResult & { readonly at: number; readonly note: string })[];
  readonly skips: Readonly<Record<string, { readonly taskInput: Record<string, unknown>; readonly taskOutput: Record<string, unknown> }>>;
  /** Tasks whose next step waits for a resume (a paused execution schedules nothing). */
  readonly deferred: readonly string[];
  readonly endedBranches: readonly string[];
  readonly compensation?: Compensation;
  readonly failureWorkflowId?: string;
  /** Who paused, resumed, terminated, retried… it, when and why, oldest first (restarts keep them). */
  readonly operatorActions: readonly OperatorActionRecord[];
  /** Removed by an operator: gone from the API and search, its history kept in the event store. */
  readonly removed?: boolean;
};

/** An execution: its whole history is its events; this is what deciding needs of it. */
export type Execution = { readonly status: 'NONE' } | StartedExecution;

export const initialState = (): Execution => ({ status: 'NONE' });
