/** Conductor OSS 3.x definitions, as its JSON writes them (WorkflowDef, WorkflowTask, TaskDef). Unknown fields pass through. */

export type TimeoutPolicy = 'TIME_OUT_WF' | 'ALERT_ONLY' | 'RETRY';
export type RetryLogic = 'FIXED' | 'EXPONENTIAL_BACKOFF' | 'LINEAR_BACKOFF';

export type SubWorkflowParams = {
  readonly name?: string;
  readonly version?: number;
  readonly taskToDomain?: Readonly<Record<string, string>>;
  readonly workflowDefinition?: WorkflowDef | string;
  readonly idempotencyKey?: string;
  readonly idempotencyStrategy?: 'FAIL' | 'RETURN_EXISTING' | 'FAIL_ON_RUNNING';
  readonly priority?: number | string;
};

export type TaskDef = {
  readonly name: string;
  readonly description?: string;
  readonly retryCount?: number;
  readonly retryLogic?: RetryLogic;
  readonly retryDelaySeconds?: number;
  readonly backoffScaleFactor?: number;
  readonly maxRetryDelaySeconds?: number;
  readonly timeoutSeconds?: number;
  readonly responseTimeoutSeconds?: number;
  readonly pollTimeoutSeconds?: number;
  readonly totalTimeoutSeconds?: number;
  readonly timeoutPolicy?: TimeoutPolicy;
  readonly inputTemplate?: Readonly<Record<string, unknown>>;
  readonly rateLimitPerFrequency?: number;
  readonly rateLimitFrequencyInSeconds?: number;
  readonly concurrentExecLimit?: number;
  readonly ownerEmail?: string;
  readonly [extra: string]: unknown;
};

/** A node of a workflow's task tree. `compensation` is waggle's extension: the task that undoes this one. */
export type WorkflowTask = {
  readonly name: string;
  readonly taskReferenceName: string;
  readonly type?: string;
  readonly description?: string;
  readonly inputParameters?: Readonly<Record<string, unknown>>;
  readonly optional?: boolean;
  readonly startDelay?: number;
  readonly asyncComplete?: boolean;
  readonly retryCount?: number;
  readonly taskDefinition?: TaskDef;
  // SWITCH / DECISION
  readonly evaluatorType?: string;
  readonly expression?: string;
  readonly caseValueParam?: string;
  readonly caseExpression?: string;
  readonly decisionCases?: Readonly<Record<string, readonly WorkflowTask[]>>;
  readonly defaultCase?: readonly WorkflowTask[];
  // FORK_JOIN / JOIN / FORK_JOIN_DYNAMIC / DYNAMIC
  readonly forkTasks?: readonly (readonly WorkflowTask[])[];
  readonly joinOn?: readonly string[];
  readonly dynamicForkTasksParam?: string;
  readonly dynamicForkTasksInputParamName?: string;
  readonly dynamicForkJoinTasksParam?: string;
  readonly dynamicTaskNameParam?: string;
  // DO_WHILE
  readonly loopCondition?: string;
  readonly loopOver?: readonly WorkflowTask[];
  // SUB_WORKFLOW / EVENT / LAMBDA
  readonly subWorkflowParam?: SubWorkflowParams;
  readonly sink?: string;
  readonly scriptExpression?: string;
  readonly compensation?: WorkflowTask;
  readonly [extra: string]: unknown;
};

export type WorkflowDef = {
  readonly name: string;
  readonly description?: string;
  readonly version?: number;
  readonly tasks: readonly WorkflowTask[];
  readonly inputParameters?: readonly string[];
  readonly outputParameters?: Readonly<Record<string, unknown>>;
  readonly inputTemplate?: Readonly<Record<string, unknown>>;
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly failureWorkflow?: string;
  readonly failureWorkflowVersion?: number;
  readonly schemaVersion?: number;
  readonly restartable?: boolean;
  readonly timeoutPolicy?: 'TIME_OUT_WF' | 'ALERT_ONLY';
  readonly timeoutSeconds?: number;
  readonly ownerEmail?: string;
  readonly [extra: string]: unknown;
};

/** The task types the engine runs. */
export const supportedTaskTypes = [
  'SIMPLE',
  'SWITCH',
  'DECISION',
  'FORK_JOIN',
  'JOIN',
  'TERMINATE',
  'SET_VARIABLE',
  'INLINE',
  'LAMBDA',
  'WAIT',
  'DO_WHILE',
  'SUB_WORKFLOW',
  'FORK_JOIN_DYNAMIC',
  'DYNAMIC',
  'JSON_JQ_TRANSFORM',
  'EVENT',
  'HTTP',
] as const;
export type TaskType = (typeof supportedTaskTypes)[number];

/** Types Conductor knows that waggle refuses, each with why. */
export const refusedTaskTypes: Readonly<Record<string, string>> = {
  EXCLUSIVE_JOIN: 'EXCLUSIVE_JOIN is not supported by waggle; use SWITCH inside a FORK_JOIN branch',
  KAFKA_PUBLISH: 'KAFKA_PUBLISH is not supported by waggle; use EVENT with a kafka: sink',
  START_WORKFLOW: 'START_WORKFLOW is not supported by waggle; use SUB_WORKFLOW',
  HUMAN: 'HUMAN is not supported by waggle; use WAIT completed by a signal',
  USER_DEFINED: 'USER_DEFINED is not supported by waggle',
  NOOP: 'NOOP is not supported by waggle',
};

export const typeOf = (task: WorkflowTask): string => task.type ?? 'SIMPLE';

export const isSupportedTaskType = (type: string): type is TaskType => (supportedTaskTypes as readonly string[]).includes(type);

/** Conductor's defaults for a SIMPLE task with no registered def (MetadataMapperService, HEAD). */
/** Conductor's `responseTimeoutSeconds` when a task def does not set it (`TaskDef.java`; its docs say 600). */
export const defaultResponseTimeoutSeconds = 3600;

/**
 * A task def as registered: without `responseTimeoutSeconds` it gets Conductor's default of 3,600 s, so a worker that
 * dies holding a task does not leave it (and a compensation waiting for it) in progress for ever. Where Conductor
 * differs: a def whose `timeoutSeconds` is under 3,600 s is refused by Conductor unless it sets a response timeout
 * (3,600 must be less than timeoutSeconds); waggle takes it as it is, since its task timeout bounds the wait already.
 */
export const withTaskDefDefaults = (def: TaskDef): TaskDef =>
  def.responseTimeoutSeconds !== undefined || ((def.timeoutSeconds ?? 0) > 0 && (def.timeoutSeconds ?? 0) < defaultResponseTimeoutSeconds)
    ? def
    : { ...def, responseTimeoutSeconds: defaultResponseTimeoutSeconds };

export const adHocTaskDef = (name: string, type: string): TaskDef =>
  type === 'SIMPLE'
    ? {
        name,
        retryCount: 3,
        retryLogic: 'FIXED',
        retryDelaySeconds: 60,
        responseTimeoutSeconds: defaultResponseTimeoutSeconds,
        timeoutPolicy: 'TIME_OUT_WF',
        timeoutSeconds: 0,
      }
    : { name, retryCount: 0, retryDelaySeconds: 0, responseTimeoutSeconds: 0, timeoutSeconds: 0, timeoutPolicy: 'TIME_OUT_WF' };

/** The children of a task node, each list with the JSON path suffix that names it. */
export const childLists = (task: WorkflowTask): { readonly path: string; readonly tasks: readonly WorkflowTask[] }[] => [
  ...Object.entries(task.decisionCases ?? {}).map(([key, tasks]) => ({ path: `.decisionCases[${JSON.stringify(key)}]`, tasks })),
  ...(task.defaultCase === undefined ? [] : [{ path: '.defaultCase', tasks: task.defaultCase }]),
  ...(task.forkTasks ?? []).map((tasks, index) => ({ path: `.forkTasks[${index}]`, tasks })),
  ...(task.loopOver === undefined ? [] : [{ path: '.loopOver', tasks: task.loopOver }]),
];
