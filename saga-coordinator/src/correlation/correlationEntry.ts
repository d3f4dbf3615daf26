import type { ConsumedRecord } from '@waggle/kafka-bus';

/** What the correlation index keeps of one Kafka record: where it is and what its headers say, not its payload. */
export type CorrelationEntry = {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offsets are 64-bit, hence a string. */
  readonly offset: string;
  readonly correlationId: string;
  readonly causationId?: string;
  /** `ce_id`: what a record it caused names as its causation id. */
  readonly eventId?: string;
  /** `ce_type`, the Avro full name (`waggle.bookings.BookingRequested`). */
  readonly type: string;
  /** `ce_source` (`/waggle/bookings`). */
  readonly source?: string;
  /** `ce_time` in epoch ms; the record's timestamp when the header is missing or unreadable. */
  readonly time: number;
  /** The record's own timestamp (epoch ms): which day's collection holds the entry, the same on every redelivery. */
  readonly timestamp: number;
  readonly key?: string;
  /** The execution a saga record moves (the record's key on the coordinator's topics). */
  readonly workflowId?: string;
  /** The task a saga task command, cancellation or result is about (from its payload: the headers do not name it). */
  readonly taskId?: string;
};

/** Saga records whose payload names a task: the one place the index reads a payload. */
export const taskRecordTypes: ReadonlySet<string> = new Set([
  'waggle.saga.TaskCommand',
  'waggle.saga.TaskCanceled',
  'waggle.saga.TaskResult',
]);

const text = (value: Buffer | undefined): string | undefined => {
  if (value === undefined) return undefined;
  const decoded = value.toString('utf8');
  return decoded.length === 0 ? undefined : decoded;
};

/** The longest id kept: a header longer than this is not an id anyone looks up, and would bloat the lookups. */
const maxIdLength = 256;

/**
 * A record's entry from its headers alone (CloudEvents binding plus `correlation_id`/`causation_id`), or `undefined`
 * when it carries no correlation id (nothing would find it). Never throws: a record with odd headers is indexed with
 * what can be read, so no record stops the index.
 */
export const toCorrelationEntry = (record: ConsumedRecord<never>): CorrelationEntry | undefined => {
  const correlationId = text(record.headers['correlation_id']);
  if (correlationId === undefined || correlationId.length > maxIdLength) return undefined;
  const causationId = text(record.headers['causation_id']);
  const eventId = text(record.headers['ce_id']);
  const type = text(record.headers['ce_type']) ?? 'unknown';
  const source = text(record.headers['ce_source']);
  const headerTime = Date.parse(text(record.headers['ce_time']) ?? '');
  const timestamp = Number.isFinite(record.timestamp) ? record.timestamp : 0;
  const key = record.key === null || record.key.length === 0 ? undefined : record.key.toString('utf8');
  const saga = type.startsWith('waggle.saga.') && key !== undefined;
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    correlationId,
    ...(causationId === undefined || causationId.length > maxIdLength ? {} : { causationId }),
    ...(eventId === undefined || eventId.length > maxIdLength ? {} : { eventId }),
    type,
    ...(source === undefined ? {} : { source }),
    time: Number.isNaN(headerTime) ? timestamp : headerTime,
    timestamp,
    ...(key === undefined ? {} : { key: key.slice(0, maxIdLength) }),
    ...(saga && key.length <= maxIdLength ? { workflowId: key } : {}),
  };
};

/**
 * The execution a task id belongs to: task ids are `<workflowId>:<seq>` (a child's id is `<taskId>:sub`, the failure
 * workflow's `<workflowId>:failure`, so their tasks follow the same rule).
 */
export const workflowOfTask = (taskId: string): string | undefined => /^(.+):\d+$/.exec(taskId)?.[1];
