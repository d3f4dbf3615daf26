import { randomUUID } from 'node:crypto';
import { UndecodableError } from '@waggle/errors';
import { fromEventHeaders, toEventHeaders, type ConsumedRecord, type EventMeta, type ProducerRecord } from '@waggle/kafka-bus';
import type { AvroSerde } from '@waggle/serde';

export const taskCommandType = 'waggle.saga.TaskCommand';
export const taskCanceledType = 'waggle.saga.TaskCanceled';
export const taskResultType = 'waggle.saga.TaskResult';

/** A task as a worker gets it (the TaskCommand record, its input parsed). */
export type Task = {
  readonly workflowId: string;
  readonly taskId: string;
  readonly taskType: string;
  readonly referenceTaskName: string;
  /** The attempt: 0 first, n for the nth retry. */
  readonly retryCount: number;
  readonly input: Readonly<Record<string, unknown>>;
  /** `<taskId>:<retryCount>`: the command id of the task's effect. */
  readonly idempotencyKey: string;
  readonly correlationId?: string;
  readonly workflowType?: string;
  readonly responseTimeoutSeconds: number;
  /** Above 0: the coordinator wants to hear at once that a worker took the task (its def's `pollTimeoutSeconds`). */
  readonly pollTimeoutSeconds?: number;
};

/** A worker's answer (Conductor's TaskResult). */
export type TaskOutcome = {
  readonly status: 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'FAILED_WITH_TERMINAL_ERROR';
  readonly outputData?: Readonly<Record<string, unknown>>;
  readonly reasonForIncompletion?: string;
  readonly callbackAfterSeconds?: number;
};

/** A task result as it travels: the outcome, which task and attempt it answers, and who answered. */
export type TaskResultMessage = TaskOutcome & {
  readonly workflowId: string;
  readonly taskId?: string;
  readonly referenceTaskName?: string;
  readonly workerId?: string;
  readonly retryCount?: number;
};

/** Who caused a record: CloudEvents attributes that follow it to Kafka. */
export type RecordCause = {
  readonly correlationId: string;
  readonly causationId: string;
  readonly traceparent?: string;
  readonly id?: string;
};

const parseObject = (json: string, what: string): Record<string, unknown> => {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new UndecodableError(`${what} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new UndecodableError(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
};

/** A keyed, Avro-encoded record with CloudEvents headers (Confluent wire format, subject `<topic>-<full name>`). */
export const toSagaRecord = async (
  serde: AvroSerde,
  record: { topic: string; fullName: string; key: string; data: Record<string, unknown>; source: string; cause: RecordCause },
): Promise<ProducerRecord> => ({
  topic: record.topic,
  key: record.key,
  value: await serde.encode(record.topic, record.fullName, record.data),
  headers: toEventHeaders({
    id: record.cause.id ?? randomUUID(),
    type: record.fullName,
    source: record.source,
    time: new Date().toISOString(),
    subject: record.key,
    correlationId: record.cause.correlationId,
    causationId: record.cause.causationId,
    ...(record.cause.traceparent === undefined ? {} : { traceparent: record.cause.traceparent }),
  }),
});

/** The TaskCommand record's fields for a task. */
export const toTaskCommandData = (task: Omit<Task, 'idempotencyKey'>): Record<string, unknown> => ({
  workflowId: task.workflowId,
  taskId: task.taskId,
  taskType: task.taskType,
  referenceTaskName: task.referenceTaskName,
  retryCount: task.retryCount,
  inputJson: JSON.stringify(task.input),
  idempotencyKey: `${task.taskId}:${task.retryCount}`,
  correlationId: task.correlationId ?? null,
  workflowType: task.workflowType ?? null,
  responseTimeoutSeconds: task.responseTimeoutSeconds,
  pollTimeoutSeconds: task.pollTimeoutSeconds ?? 0,
});

/** The TaskResult record's fields. */
export const toTaskResultData = (result: TaskResultMessage): Record<string, unknown> => ({
  workflowId: result.workflowId,
  taskId: result.taskId ?? null,
  referenceTaskName: result.referenceTaskName ?? null,
  status: result.status,
  outputJson: JSON.stringify(result.outputData ?? {}),
  reasonForIncompletion: result.reasonForIncompletion ?? null,
  callbackAfterSeconds: Math.max(0, Math.round(result.callbackAfterSeconds ?? 0)),
  workerId: result.workerId ?? null,
  retryCount: result.retryCount ?? -1,
});

/** A TaskResult record's fields back as a message. */
export const fromTaskResultData = (data: Readonly<Record<string, unknown>>): TaskResultMessage => {
  const text = (key: string): string | undefined => (typeof data[key] === 'string' ? data[key] : undefined);
  const taskId = text('taskId');
  const ref = text('referenceTaskName');
  const reason = text('reasonForIncompletion');
  const workerId = text('workerId');
  const callback = Number(data['callbackAfterSeconds'] ?? 0);
  const retryCount = Number(data['retryCount'] ?? -1);
  return {
    workflowId: String(data['workflowId']),
    status: data['status'] as TaskResultMessage['status'],
    outputData: parseObject(text('outputJson') ?? '{}', 'TaskResult.outputJson'),
    ...(taskId === undefined ? {} : { taskId }),
    ...(ref === undefined ? {} : { referenceTaskName: ref }),
    ...(reason === undefined ? {} : { reasonForIncompletion: reason }),
    ...(callback > 0 ? { callbackAfterSeconds: callback } : {}),
    ...(workerId === undefined ? {} : { workerId }),
    ...(retryCount >= 0 ? { retryCount } : {}),
  };
};

/** A record of a task topic as a worker sees it. */
export type TaskDelivery =
  | { readonly kind: 'task'; readonly task: Task; readonly meta: EventMeta }
  | { readonly kind: 'canceled'; readonly workflowId: string; readonly taskId: string; readonly meta: EventMeta };

/** Decodes a task topic's record; anything else there is undecodable (dead-lettered by the consumer). */
export const decodeTaskDelivery =
  (serde: AvroSerde) =>
  async (record: ConsumedRecord<never>): Promise<TaskDelivery> => {
    if (!record.value) throw new UndecodableError(`record ${record.topic}/${record.partition}/${record.offset} has no value`);
    const meta = fromEventHeaders(record.headers);
    const decoded = await serde.decode(record.value);
    const data = decoded.data as Record<string, unknown>;
    if (decoded.fullName === taskCanceledType) {
      return { kind: 'canceled', workflowId: String(data['workflowId']), taskId: String(data['taskId']), meta };
    }
    if (decoded.fullName !== taskCommandType)
      throw new UndecodableError(`a task topic carries TaskCommand records, not ${decoded.fullName}`);
    const correlationId = data['correlationId'];
    const workflowType = data['workflowType'];
    return {
      kind: 'task',
      meta,
      task: {
        workflowId: String(data['workflowId']),
        taskId: String(data['taskId']),
        taskType: String(data['taskType']),
        referenceTaskName: String(data['referenceTaskName']),
        retryCount: Number(data['retryCount']),
        input: parseObject(String(data['inputJson']), 'TaskCommand.inputJson'),
        idempotencyKey: String(data['idempotencyKey']),
        responseTimeoutSeconds: Number(data['responseTimeoutSeconds'] ?? 0),
        ...(Number(data['pollTimeoutSeconds'] ?? 0) > 0 ? { pollTimeoutSeconds: Number(data['pollTimeoutSeconds']) } : {}),
        ...(typeof correlationId === 'string' ? { correlationId } : {}),
        ...(typeof workflowType === 'string' ? { workflowType } : {}),
      },
    };
  };
