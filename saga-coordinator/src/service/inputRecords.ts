import { createHash } from 'node:crypto';
import { UndecodableError } from '@waggle/errors';
import { fromEventHeaders, type ConsumedRecord, type EventMeta, type ProducerRecord } from '@waggle/kafka-bus';
import type { AvroSerde } from '@waggle/serde';
import { fromTaskResultData, taskResultType, toSagaRecord, type RecordCause, type SagaTopics } from '@waggle/task-worker';
import type { EngineInput, OperatorActionType, Timer } from '../engine/engineInput.ts';
import type { TaskResult, WorkflowStatus } from '../engine/execution.ts';
import type { TaskDef, WorkflowDef } from '../engine/workflowDef.ts';

type Operator = Extract<EngineInput, { type: OperatorActionType | 'ReportSubWorkflowRetried' }>;
/** An operator action (or its cascade between a parent and its child) as it travels: the engine input without its time. */
export type OperatorInput = Operator extends infer T ? (T extends Operator ? Omit<T, 'meta'> : never) : never;
/** What an operator asks for over the API (a child's retry told to its parent comes only from the coordinator). */
export type OperatorAction = Exclude<OperatorInput, { type: 'ReportSubWorkflowRetried' }>;

/** A record of the inputs topic: everything that moves one execution (the record key). */
export type CoordinatorInput =
  | {
      readonly kind: 'start';
      readonly workflowId: string;
      readonly name: string;
      readonly version?: number;
      readonly definition?: WorkflowDef;
      readonly taskDefs?: readonly TaskDef[];
      readonly input: Readonly<Record<string, unknown>>;
      readonly correlationId?: string;
      readonly priority: number;
      readonly parentWorkflowId?: string;
      readonly parentWorkflowTaskId?: string;
    }
  | { readonly kind: 'result'; readonly workflowId: string; readonly result: TaskResult }
  | {
      readonly kind: 'subWorkflowEnded';
      readonly workflowId: string;
      readonly taskId: string;
      readonly subWorkflowId: string;
      readonly status: Exclude<WorkflowStatus, 'RUNNING' | 'PAUSED'>;
      readonly output: Readonly<Record<string, unknown>>;
      readonly reasonForIncompletion?: string;
    }
  | { readonly kind: 'timer'; readonly workflowId: string; readonly timerId: string; readonly timer: Timer; readonly fireAt: number }
  | { readonly kind: 'action'; readonly workflowId: string; readonly action: OperatorInput };

/** An input as the coordinator's consumer sees it; `reply` asks for an outcome record (an API call waits for it). */
export type ReceivedInput = { readonly input: CoordinatorInput; readonly meta: EventMeta; readonly reply: boolean };

/** Header on an input whose sender waits for the outcome. */
export const replyHeader = 'waggle_reply';

const fullNames = {
  start: 'waggle.saga.WorkflowStartRequested',
  result: taskResultType,
  subWorkflowEnded: 'waggle.saga.SubWorkflowEnded',
  timer: 'waggle.saga.TimerFired',
  action: 'waggle.saga.OperatorActionRequested',
} as const;

const actions = {
  PauseWorkflow: 'PAUSE',
  ResumeWorkflow: 'RESUME',
  TerminateWorkflow: 'TERMINATE',
  RetryWorkflow: 'RETRY',
  RerunWorkflow: 'RERUN',
  RestartWorkflow: 'RESTART',
  SkipTask: 'SKIP_TASK',
  RemoveWorkflow: 'REMOVE',
  ReportSubWorkflowRetried: 'SUB_WORKFLOW_RETRIED',
} as const satisfies Record<OperatorInput['type'], string>;
const actionTypes = Object.fromEntries(Object.entries(actions).map(([type, action]) => [action, type])) as Record<
  string,
  OperatorInput['type']
>;

/** A stable record id from a stable cause, so a record produced twice (a relay or sweeper crash) is one command. */
export const stableId = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

const json = (value: unknown): string => JSON.stringify(value);
const orNull = <T>(value: T | undefined): T | null => value ?? null;

const toData = (input: CoordinatorInput): Record<string, unknown> => {
  switch (input.kind) {
    case 'start':
      return {
        workflowId: input.workflowId,
        name: input.name,
        version: orNull(input.version),
        definitionJson: input.definition === undefined ? null : json(input.definition),
        taskDefsJson: input.taskDefs === undefined ? null : json(input.taskDefs),
        inputJson: json(input.input),
        correlationId: orNull(input.correlationId),
        priority: input.priority,
        parentWorkflowId: orNull(input.parentWorkflowId),
        parentWorkflowTaskId: orNull(input.parentWorkflowTaskId),
      };
    case 'result':
      return {
        workflowId: input.workflowId,
        taskId: orNull(input.result.taskId),
        referenceTaskName: orNull(input.result.referenceTaskName),
        status: input.result.status,
        outputJson: json(input.result.outputData ?? {}),
        reasonForIncompletion: orNull(input.result.reasonForIncompletion),
        callbackAfterSeconds: Math.max(0, Math.round(input.result.callbackAfterSeconds ?? 0)),
        workerId: orNull(input.result.workerId),
        retryCount: -1,
      };
    case 'subWorkflowEnded':
      return {
        workflowId: input.workflowId,
        taskId: input.taskId,
        subWorkflowId: input.subWorkflowId,
        status: input.status,
        outputJson: json(input.output),
        reasonForIncompletion: orNull(input.reasonForIncompletion),
      };
    case 'timer':
      return { workflowId: input.workflowId, timerId: input.timerId, timerJson: json(input.timer), fireAt: input.fireAt };
    case 'action': {
      const { type, ...args } = input.action;
      return { workflowId: input.workflowId, action: actions[type], argsJson: json(args) };
    }
  }
};

/** The record of an input on the inputs topic, keyed by its execution. */
export const toInputRecord = async (
  serde: AvroSerde,
  topics: SagaTopics,
  input: CoordinatorInput,
  cause: RecordCause,
  options: { readonly reply?: boolean; readonly source?: string } = {},
): Promise<ProducerRecord> => {
  const record = await toSagaRecord(serde, {
    topic: topics.inputs,
    fullName: fullNames[input.kind],
    key: input.workflowId,
    data: toData(input),
    source: options.source ?? '/waggle/saga-coordinator',
    cause,
  });
  return options.reply ? { ...record, headers: { ...record.headers, [replyHeader]: '1' } } : record;
};

const parse = <T>(text: unknown, what: string): T => {
  try {
    return JSON.parse(String(text)) as T;
  } catch (error) {
    throw new UndecodableError(`${what} is not JSON`, { cause: error });
  }
};
const text = (data: Record<string, unknown>, key: string): string | undefined => (typeof data[key] === 'string' ? data[key] : undefined);

const fromData = (fullName: string, data: Record<string, unknown>): CoordinatorInput => {
  const workflowId = String(data['workflowId']);
  switch (fullName) {
    case fullNames.start: {
      const version = data['version'];
      const definition = text(data, 'definitionJson');
      const taskDefs = text(data, 'taskDefsJson');
      const correlationId = text(data, 'correlationId');
      const parentWorkflowId = text(data, 'parentWorkflowId');
      const parentWorkflowTaskId = text(data, 'parentWorkflowTaskId');
      return {
        kind: 'start',
        workflowId,
        name: String(data['name']),
        input: parse(data['inputJson'], 'inputJson'),
        priority: Number(data['priority'] ?? 0),
        ...(typeof version === 'number' ? { version } : {}),
        ...(definition === undefined ? {} : { definition: parse<WorkflowDef>(definition, 'definitionJson') }),
        ...(taskDefs === undefined ? {} : { taskDefs: parse<TaskDef[]>(taskDefs, 'taskDefsJson') }),
        ...(correlationId === undefined ? {} : { correlationId }),
        ...(parentWorkflowId === undefined ? {} : { parentWorkflowId }),
        ...(parentWorkflowTaskId === undefined ? {} : { parentWorkflowTaskId }),
      };
    }
    case fullNames.result: {
      const { workflowId: _workflowId, retryCount: _retryCount, ...result } = fromTaskResultData(data);
      return { kind: 'result', workflowId, result };
    }
    case fullNames.subWorkflowEnded: {
      const reason = text(data, 'reasonForIncompletion');
      return {
        kind: 'subWorkflowEnded',
        workflowId,
        taskId: String(data['taskId']),
        subWorkflowId: String(data['subWorkflowId']),
        status: data['status'] as Exclude<WorkflowStatus, 'RUNNING' | 'PAUSED'>,
        output: parse(data['outputJson'], 'outputJson'),
        ...(reason === undefined ? {} : { reasonForIncompletion: reason }),
      };
    }
    case fullNames.timer:
      return {
        kind: 'timer',
        workflowId,
        timerId: String(data['timerId']),
        timer: parse<Timer>(data['timerJson'], 'timerJson'),
        fireAt: Number(data['fireAt']),
      };
    case fullNames.action: {
      const type = actionTypes[String(data['action'])];
      if (type === undefined) throw new UndecodableError(`unknown operator action ${String(data['action'])}`);
      return { kind: 'action', workflowId, action: { ...parse<object>(data['argsJson'], 'argsJson'), type } as OperatorInput };
    }
    default:
      throw new UndecodableError(`the inputs topic carries no ${fullName} records`);
  }
};

/** Decodes an inputs topic record; what is not an input is undecodable (dead-lettered, its key parked). */
export const decodeInput =
  (serde: AvroSerde) =>
  async (record: ConsumedRecord<never>): Promise<ReceivedInput> => {
    if (!record.value) throw new UndecodableError(`record ${record.topic}/${record.partition}/${record.offset} has no value`);
    const meta = fromEventHeaders(record.headers);
    const decoded = await serde.decode(record.value);
    const input = fromData(decoded.fullName, JSON.parse(JSON.stringify(decoded.data)) as Record<string, unknown>);
    return { input, meta, reply: record.headers[replyHeader]?.toString() === '1' };
  };

/** The engine input an input record stands for, at the time it is applied. */
export const toEngineInput = (input: Exclude<CoordinatorInput, { kind: 'start' }>, at: number): EngineInput => {
  const meta = { at };
  switch (input.kind) {
    case 'result':
      return { type: 'ReportTaskResult', result: input.result, meta };
    case 'subWorkflowEnded':
      return {
        type: 'ReportSubWorkflowEnded',
        taskId: input.taskId,
        subWorkflowId: input.subWorkflowId,
        status: input.status,
        output: input.output,
        ...(input.reasonForIncompletion === undefined ? {} : { reasonForIncompletion: input.reasonForIncompletion }),
        meta,
      };
    case 'timer':
      // due by the clock of the instance that swept it: decided no earlier than its time, whatever this clock says
      // (an early timer would find nothing due and be lost, its record already gone from the timers)
      return { type: 'FireTimer', timerId: input.timerId, timer: input.timer, meta: { at: Math.max(at, input.fireAt) } };
    case 'action':
      return { ...input.action, meta };
  }
};
