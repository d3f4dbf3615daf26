// Generated from schemas/saga/*.avsc by `npm run schemas:generate`. Do not edit by hand.

/** The action asked for. */
export type OperatorAction =
  'PAUSE' | 'RESUME' | 'TERMINATE' | 'RETRY' | 'RERUN' | 'RESTART' | 'SKIP_TASK' | 'REMOVE' | 'SUB_WORKFLOW_RETRIED';

/** A terminal workflow status. */
export type EndedWorkflowStatus = 'COMPLETED' | 'FAILED' | 'TIMED_OUT' | 'TERMINATED';

/** What became of the attempt. */
export type TaskResultStatus = 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'FAILED_WITH_TERMINAL_ERROR';

/** An operator's action on an execution: pause, resume, terminate, retry, rerun, restart, skip a task, remove; or a child's retry told to its parent. */
export type OperatorActionRequested = {
  readonly type: 'OperatorActionRequested';
  readonly data: {
    /** Execution id: the key of every record of the execution, so its traffic stays in order. */
    readonly workflowId: string;
    /** What to do. */
    readonly action: OperatorAction;
    /** The action's arguments as a JSON object (reason, compensate, reRunFromTaskId, definition, ...). */
    readonly argsJson: string;
  };
};

/** A child execution ended: its SUB_WORKFLOW task in the parent ends with it. */
export type SubWorkflowEnded = {
  readonly type: 'SubWorkflowEnded';
  readonly data: {
    /** The parent execution (the record key). */
    readonly workflowId: string;
    /** The parent's SUB_WORKFLOW task id. */
    readonly taskId: string;
    /** The child execution. */
    readonly subWorkflowId: string;
    /** How the child ended. */
    readonly status: EndedWorkflowStatus;
    /** The child's output as a JSON object. */
    readonly outputJson: string;
    /** Why the child did not complete. */
    readonly reasonForIncompletion?: null | string;
  };
};

/** A task the coordinator no longer wants (the execution ended, was terminated or the task was skipped); a worker that has not started it may drop it. */
export type TaskCanceled = {
  readonly type: 'TaskCanceled';
  readonly data: {
    /** Execution id: the key of every record of the execution, so its traffic stays in order. */
    readonly workflowId: string;
    /** Task id of the canceled attempt. */
    readonly taskId: string;
    /** Task definition name. */
    readonly taskType: string;
  };
};

/** A task for a worker: run it once and answer with a TaskResult on the coordinator's inputs topic. */
export type TaskCommand = {
  readonly type: 'TaskCommand';
  readonly data: {
    /** Execution id: the key of every record of the execution, so its traffic stays in order. */
    readonly workflowId: string;
    /** Task id, unique per attempt (a retry is a new task id). */
    readonly taskId: string;
    /** Task definition name: the worker handling it registered for this type. */
    readonly taskType: string;
    /** The task's reference name in the workflow definition (with __N inside a loop). */
    readonly referenceTaskName: string;
    /** Attempt number: 0 for the first run, n for the nth retry. */
    readonly retryCount: number;
    /** The task's resolved input as a JSON object. */
    readonly inputJson: string;
    /** <taskId>:<retryCount>: a worker's effect keyed by it happens once however often the task is delivered. */
    readonly idempotencyKey: string;
    /** The workflow's correlation id, when it was started with one. */
    readonly correlationId?: null | string;
    /** Name of the workflow definition the task belongs to. */
    readonly workflowType?: null | string;
    /** How long the coordinator waits for an answer before it times the attempt out (0: no limit). */
    readonly responseTimeoutSeconds?: number;
    /** The task def's pollTimeoutSeconds: when above 0 the worker acknowledges the task (an IN_PROGRESS TaskResult) as soon as it receives it, else the coordinator times it out as not polled. */
    readonly pollTimeoutSeconds?: number;
  };
};

/** A worker's answer to a task (Conductor's TaskResult). */
export type TaskResult = {
  readonly type: 'TaskResult';
  readonly data: {
    /** Execution id: the key of every record of the execution, so its traffic stays in order. */
    readonly workflowId: string;
    /** Task id answered; absent when the result names the task by its reference name (update-by-ref). */
    readonly taskId?: null | string;
    /** Reference name of the task answered, for an update by reference. */
    readonly referenceTaskName?: null | string;
    /** IN_PROGRESS (ask again after callbackAfterSeconds), COMPLETED, FAILED (retried under the task def), FAILED_WITH_TERMINAL_ERROR (never retried). */
    readonly status: TaskResultStatus;
    /** The task's output as a JSON object. */
    readonly outputJson: string;
    /** Why the task failed, for people. */
    readonly reasonForIncompletion?: null | string;
    /** With IN_PROGRESS: when the coordinator hands the task out again. */
    readonly callbackAfterSeconds?: number;
    /** Which worker answered. */
    readonly workerId?: null | string;
    /** The attempt answered (the TaskCommand's retryCount); -1 when unknown. */
    readonly retryCount?: number;
  };
};

/** A durable timer of the execution came due (a retry delay, WAIT, callback, timeout). */
export type TimerFired = {
  readonly type: 'TimerFired';
  readonly data: {
    /** Execution id: the key of every record of the execution, so its traffic stays in order. */
    readonly workflowId: string;
    /** The timer's id as the engine named it. */
    readonly timerId: string;
    /** The timer (kind and task id) as JSON. */
    readonly timerJson: string;
    /** When it was due, epoch milliseconds. */
    readonly fireAt: number;
  };
};

/** An EVENT task's payload, published to its sink (kafka:<topic>, or saga.events for the conductor sink). */
export type WorkflowEventPublished = {
  readonly type: 'WorkflowEventPublished';
  readonly data: {
    /** Execution id: the key of every record of the execution, so its traffic stays in order. */
    readonly workflowId: string;
    /** The EVENT task. */
    readonly taskId: string;
    /** The sink as the task names it. */
    readonly sink: string;
    /** The event's payload as a JSON object. */
    readonly payloadJson: string;
  };
};

/** Start an execution (an API start, a sub-workflow or a failure workflow); a start for an id that exists does nothing. */
export type WorkflowStartRequested = {
  readonly type: 'WorkflowStartRequested';
  readonly data: {
    /** Execution id: the key of every record of the execution, so its traffic stays in order. */
    readonly workflowId: string;
    /** Workflow definition name. */
    readonly name: string;
    /** Definition version; absent: the latest registered. */
    readonly version?: null | number;
    /** The definition itself as JSON (an inline sub-workflow, or the one resolved at the API). */
    readonly definitionJson?: null | string;
    /** Task definitions snapshotted for the execution, as a JSON array. */
    readonly taskDefsJson?: null | string;
    /** Workflow input as a JSON object. */
    readonly inputJson: string;
    /** Correlation id given at the start. */
    readonly correlationId?: null | string;
    /** Priority 0..99 given at the start. */
    readonly priority?: number;
    /** The parent execution of a sub-workflow. */
    readonly parentWorkflowId?: null | string;
    /** The parent's SUB_WORKFLOW task (or the failed execution, for a failure workflow). */
    readonly parentWorkflowTaskId?: null | string;
  };
};

/** Every event of the saga context. */
export type SagaEvent =
  | OperatorActionRequested
  | SubWorkflowEnded
  | TaskCanceled
  | TaskCommand
  | TaskResult
  | TimerFired
  | WorkflowEventPublished
  | WorkflowStartRequested;

/** Avro full name of each saga event type. */
export const sagaFullNames = {
  OperatorActionRequested: 'waggle.saga.OperatorActionRequested',
  SubWorkflowEnded: 'waggle.saga.SubWorkflowEnded',
  TaskCanceled: 'waggle.saga.TaskCanceled',
  TaskCommand: 'waggle.saga.TaskCommand',
  TaskResult: 'waggle.saga.TaskResult',
  TimerFired: 'waggle.saga.TimerFired',
  WorkflowEventPublished: 'waggle.saga.WorkflowEventPublished',
  WorkflowStartRequested: 'waggle.saga.WorkflowStartRequested',
} as const;

/** Avro schema of each saga event type, as in its .avsc file. */
export const sagaSchemas = {
  OperatorActionRequested: {
    type: 'record',
    name: 'OperatorActionRequested',
    namespace: 'waggle.saga',
    doc: "An operator's action on an execution: pause, resume, terminate, retry, rerun, restart, skip a task, remove; or a child's retry told to its parent.",
    fields: [
      { name: 'workflowId', type: 'string', doc: 'Execution id: the key of every record of the execution, so its traffic stays in order.' },
      {
        name: 'action',
        type: {
          type: 'enum',
          name: 'OperatorAction',
          doc: 'The action asked for.',
          symbols: ['PAUSE', 'RESUME', 'TERMINATE', 'RETRY', 'RERUN', 'RESTART', 'SKIP_TASK', 'REMOVE', 'SUB_WORKFLOW_RETRIED'],
        },
        doc: 'What to do.',
      },
      {
        name: 'argsJson',
        type: 'string',
        doc: "The action's arguments as a JSON object (reason, compensate, reRunFromTaskId, definition, ...).",
      },
    ],
  },
  SubWorkflowEnded: {
    type: 'record',
    name: 'SubWorkflowEnded',
    namespace: 'waggle.saga',
    doc: 'A child execution ended: its SUB_WORKFLOW task in the parent ends with it.',
    fields: [
      { name: 'workflowId', type: 'string', doc: 'The parent execution (the record key).' },
      { name: 'taskId', type: 'string', doc: "The parent's SUB_WORKFLOW task id." },
      { name: 'subWorkflowId', type: 'string', doc: 'The child execution.' },
      {
        name: 'status',
        type: {
          type: 'enum',
          name: 'EndedWorkflowStatus',
          doc: 'A terminal workflow status.',
          symbols: ['COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED'],
        },
        doc: 'How the child ended.',
      },
      { name: 'outputJson', type: 'string', doc: "The child's output as a JSON object." },
      { name: 'reasonForIncompletion', type: ['null', 'string'], doc: 'Why the child did not complete.', default: null },
    ],
  },
  TaskCanceled: {
    type: 'record',
    name: 'TaskCanceled',
    namespace: 'waggle.saga',
    doc: 'A task the coordinator no longer wants (the execution ended, was terminated or the task was skipped); a worker that has not started it may drop it.',
    fields: [
      { name: 'workflowId', type: 'string', doc: 'Execution id: the key of every record of the execution, so its traffic stays in order.' },
      { name: 'taskId', type: 'string', doc: 'Task id of the canceled attempt.' },
      { name: 'taskType', type: 'string', doc: 'Task definition name.' },
    ],
  },
  TaskCommand: {
    type: 'record',
    name: 'TaskCommand',
    namespace: 'waggle.saga',
    doc: "A task for a worker: run it once and answer with a TaskResult on the coordinator's inputs topic.",
    fields: [
      { name: 'workflowId', type: 'string', doc: 'Execution id: the key of every record of the execution, so its traffic stays in order.' },
      { name: 'taskId', type: 'string', doc: 'Task id, unique per attempt (a retry is a new task id).' },
      { name: 'taskType', type: 'string', doc: 'Task definition name: the worker handling it registered for this type.' },
      { name: 'referenceTaskName', type: 'string', doc: "The task's reference name in the workflow definition (with __N inside a loop)." },
      { name: 'retryCount', type: 'int', doc: 'Attempt number: 0 for the first run, n for the nth retry.' },
      { name: 'inputJson', type: 'string', doc: "The task's resolved input as a JSON object." },
      {
        name: 'idempotencyKey',
        type: 'string',
        doc: "<taskId>:<retryCount>: a worker's effect keyed by it happens once however often the task is delivered.",
      },
      {
        name: 'correlationId',
        type: ['null', 'string'],
        doc: "The workflow's correlation id, when it was started with one.",
        default: null,
      },
      { name: 'workflowType', type: ['null', 'string'], doc: 'Name of the workflow definition the task belongs to.', default: null },
      {
        name: 'responseTimeoutSeconds',
        type: 'long',
        doc: 'How long the coordinator waits for an answer before it times the attempt out (0: no limit).',
        default: 0,
      },
      {
        name: 'pollTimeoutSeconds',
        type: 'long',
        doc: "The task def's pollTimeoutSeconds: when above 0 the worker acknowledges the task (an IN_PROGRESS TaskResult) as soon as it receives it, else the coordinator times it out as not polled.",
        default: 0,
      },
    ],
  },
  TaskResult: {
    type: 'record',
    name: 'TaskResult',
    namespace: 'waggle.saga',
    doc: "A worker's answer to a task (Conductor's TaskResult).",
    fields: [
      { name: 'workflowId', type: 'string', doc: 'Execution id: the key of every record of the execution, so its traffic stays in order.' },
      {
        name: 'taskId',
        type: ['null', 'string'],
        doc: 'Task id answered; absent when the result names the task by its reference name (update-by-ref).',
        default: null,
      },
      {
        name: 'referenceTaskName',
        type: ['null', 'string'],
        doc: 'Reference name of the task answered, for an update by reference.',
        default: null,
      },
      {
        name: 'status',
        type: {
          type: 'enum',
          name: 'TaskResultStatus',
          doc: 'What became of the attempt.',
          symbols: ['IN_PROGRESS', 'COMPLETED', 'FAILED', 'FAILED_WITH_TERMINAL_ERROR'],
        },
        doc: 'IN_PROGRESS (ask again after callbackAfterSeconds), COMPLETED, FAILED (retried under the task def), FAILED_WITH_TERMINAL_ERROR (never retried).',
      },
      { name: 'outputJson', type: 'string', doc: "The task's output as a JSON object." },
      { name: 'reasonForIncompletion', type: ['null', 'string'], doc: 'Why the task failed, for people.', default: null },
      { name: 'callbackAfterSeconds', type: 'long', doc: 'With IN_PROGRESS: when the coordinator hands the task out again.', default: 0 },
      { name: 'workerId', type: ['null', 'string'], doc: 'Which worker answered.', default: null },
      { name: 'retryCount', type: 'int', doc: "The attempt answered (the TaskCommand's retryCount); -1 when unknown.", default: -1 },
    ],
  },
  TimerFired: {
    type: 'record',
    name: 'TimerFired',
    namespace: 'waggle.saga',
    doc: 'A durable timer of the execution came due (a retry delay, WAIT, callback, timeout).',
    fields: [
      { name: 'workflowId', type: 'string', doc: 'Execution id: the key of every record of the execution, so its traffic stays in order.' },
      { name: 'timerId', type: 'string', doc: "The timer's id as the engine named it." },
      { name: 'timerJson', type: 'string', doc: 'The timer (kind and task id) as JSON.' },
      { name: 'fireAt', type: 'long', doc: 'When it was due, epoch milliseconds.' },
    ],
  },
  WorkflowEventPublished: {
    type: 'record',
    name: 'WorkflowEventPublished',
    namespace: 'waggle.saga',
    doc: "An EVENT task's payload, published to its sink (kafka:<topic>, or saga.events for the conductor sink).",
    fields: [
      { name: 'workflowId', type: 'string', doc: 'Execution id: the key of every record of the execution, so its traffic stays in order.' },
      { name: 'taskId', type: 'string', doc: 'The EVENT task.' },
      { name: 'sink', type: 'string', doc: 'The sink as the task names it.' },
      { name: 'payloadJson', type: 'string', doc: "The event's payload as a JSON object." },
    ],
  },
  WorkflowStartRequested: {
    type: 'record',
    name: 'WorkflowStartRequested',
    namespace: 'waggle.saga',
    doc: 'Start an execution (an API start, a sub-workflow or a failure workflow); a start for an id that exists does nothing.',
    fields: [
      { name: 'workflowId', type: 'string', doc: 'Execution id: the key of every record of the execution, so its traffic stays in order.' },
      { name: 'name', type: 'string', doc: 'Workflow definition name.' },
      { name: 'version', type: ['null', 'int'], doc: 'Definition version; absent: the latest registered.', default: null },
      {
        name: 'definitionJson',
        type: ['null', 'string'],
        doc: 'The definition itself as JSON (an inline sub-workflow, or the one resolved at the API).',
        default: null,
      },
      {
        name: 'taskDefsJson',
        type: ['null', 'string'],
        doc: 'Task definitions snapshotted for the execution, as a JSON array.',
        default: null,
      },
      { name: 'inputJson', type: 'string', doc: 'Workflow input as a JSON object.' },
      { name: 'correlationId', type: ['null', 'string'], doc: 'Correlation id given at the start.', default: null },
      { name: 'priority', type: 'int', doc: 'Priority 0..99 given at the start.', default: 0 },
      { name: 'parentWorkflowId', type: ['null', 'string'], doc: 'The parent execution of a sub-workflow.', default: null },
      {
        name: 'parentWorkflowTaskId',
        type: ['null', 'string'],
        doc: "The parent's SUB_WORKFLOW task (or the failed execution, for a failure workflow).",
        default: null,
      },
    ],
  },
} as const;
