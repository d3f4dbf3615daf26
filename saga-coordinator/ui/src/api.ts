import { operatorName } from './operator.ts';

/** The coordinator's REST API as the dashboard uses it (Conductor's, plus waggle's extensions under /api/waggle). */

export type Problem = {
  readonly status: number;
  readonly title?: string;
  readonly detail?: string;
  readonly message?: string;
  readonly validationErrors?: readonly { path: string; message: string; invalidValue?: unknown }[];
  readonly errors?: readonly { path: string; message: string }[];
};

export class ApiError extends Error {
  constructor(
    readonly url: string,
    readonly problem: Problem,
  ) {
    super(problem.detail ?? problem.message ?? problem.title ?? `HTTP ${problem.status}`);
  }
}

export type CallOptions = { readonly method?: string; readonly body?: unknown };

/** Calls the API; a refusal rejects with its problem details, an unreachable server says which URL failed. */
export const call = async <T>(path: string, options: CallOptions = {}): Promise<T> => {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  // who acts: recorded with every operator action in the execution's history
  if ((options.method ?? 'GET') !== 'GET' && operatorName() !== '') headers['x-waggle-operator'] = encodeURIComponent(operatorName());
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
  } catch {
    throw new ApiError(path, {
      status: 0,
      title: `The coordinator's API at ${location.origin}${path.split('?')[0] ?? path} cannot be reached: is the coordinator running (npm start)?`,
    });
  }
  const text = await response.text();
  if (!response.ok) {
    let problem: Problem = { status: response.status, title: text || response.statusText };
    try {
      problem = { ...(JSON.parse(text) as Problem), status: response.status };
    } catch {
      // not JSON: the text is the message
    }
    throw new ApiError(path, problem);
  }
  if (text === '') return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  return (type.includes('json') ? JSON.parse(text) : text) as T;
};

export type WorkflowSummary = {
  readonly workflowId: string;
  readonly workflowType: string;
  readonly version: number;
  readonly status: string;
  readonly startTime?: string;
  readonly updateTime?: string;
  readonly endTime?: string;
  readonly executionTime?: number;
  readonly correlationId?: string;
  readonly reasonForIncompletion?: string;
  readonly failedReferenceTaskNames?: string;
  readonly compensationStatus?: string;
  readonly parentWorkflowId?: string;
};

export type WorkflowTaskDef = {
  readonly name: string;
  readonly taskReferenceName: string;
  readonly type?: string;
  readonly decisionCases?: Readonly<Record<string, readonly WorkflowTaskDef[]>>;
  readonly defaultCase?: readonly WorkflowTaskDef[];
  readonly forkTasks?: readonly (readonly WorkflowTaskDef[])[];
  readonly loopOver?: readonly WorkflowTaskDef[];
  readonly joinOn?: readonly string[];
  readonly subWorkflowParam?: { readonly name?: string; readonly version?: number };
  readonly compensation?: WorkflowTaskDef;
  readonly optional?: boolean;
  readonly [key: string]: unknown;
};

export type WorkflowDef = {
  readonly name: string;
  readonly version?: number;
  readonly description?: string;
  readonly tasks: readonly WorkflowTaskDef[];
  readonly restartable?: boolean;
  readonly failureWorkflow?: string;
  readonly [key: string]: unknown;
};

export type Task = {
  readonly taskId: string;
  readonly taskType: string;
  readonly taskDefName: string;
  readonly referenceTaskName: string;
  readonly status: string;
  readonly seq: number;
  readonly retryCount: number;
  readonly retried?: boolean;
  readonly retriedTaskId?: string;
  readonly iteration?: number;
  readonly scheduledTime?: number;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly updateTime?: number;
  readonly inputData?: Readonly<Record<string, unknown>>;
  readonly outputData?: Readonly<Record<string, unknown>>;
  readonly reasonForIncompletion?: string;
  readonly workerId?: string;
  readonly pollCount?: number;
  readonly callbackAfterSeconds?: number;
  readonly subWorkflowId?: string;
  readonly workflowTask: WorkflowTaskDef;
  readonly compensationOf?: string;
  readonly parentTaskId?: string;
};

/** waggle's record of an operator action (the execution JSON's `operatorActions`). */
export type OperatorAction = {
  readonly action: string;
  readonly actor: string;
  readonly at: number;
  readonly reason?: string;
  readonly target?: string;
  readonly compensate?: boolean;
  readonly useLatestDefinitions?: boolean;
};

export type Workflow = {
  readonly workflowId: string;
  readonly status: string;
  readonly workflowName: string;
  readonly workflowVersion: number;
  readonly correlationId?: string;
  readonly createTime: number;
  readonly updateTime?: number;
  readonly startTime?: number;
  readonly endTime?: number;
  readonly input?: Readonly<Record<string, unknown>>;
  readonly output?: Readonly<Record<string, unknown>>;
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly reasonForIncompletion?: string;
  readonly failedReferenceTaskNames?: readonly string[];
  readonly parentWorkflowId?: string;
  readonly parentWorkflowTaskId?: string;
  readonly tasks: readonly Task[];
  readonly workflowDefinition: WorkflowDef;
  readonly compensationStatus?: string;
  readonly operatorActions?: readonly OperatorAction[];
  readonly priority?: number;
  readonly [key: string]: unknown;
};

export type BulkResponse = {
  readonly bulkSuccessfulResults: readonly string[];
  readonly bulkErrorResults: Readonly<Record<string, string>>;
};

export const enc = encodeURIComponent;

/** A Kafka record as the coordinator's correlation index knows it (its headers, where it is). */
export type CorrelatedRecord = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly correlationId: string;
  readonly causationId?: string;
  readonly eventId?: string;
  readonly type: string;
  readonly source?: string;
  readonly time: string;
  readonly key?: string;
  readonly workflowId?: string;
  readonly taskId?: string;
  readonly relation: 'correlation' | 'cause';
};

export type CorrelatedRecords = {
  readonly correlationIds: readonly string[];
  readonly records: readonly CorrelatedRecord[];
  readonly truncated: boolean;
};
