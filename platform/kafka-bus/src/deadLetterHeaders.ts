/**
 * Dead-letter header names: Spring Kafka's `DeadLetterPublishingRecoverer` set, with its binary encodings
 * (partition and attempts 4-byte big-endian, offset and timestamp 8-byte big-endian), so existing DLT tooling
 * reads waggle's dead letters. The error class is the stable thing to route on; the message is for people.
 */
export const deadLetterHeaderNames = {
  originalTopic: 'kafka_dlt-original-topic',
  originalPartition: 'kafka_dlt-original-partition',
  originalOffset: 'kafka_dlt-original-offset',
  originalTimestamp: 'kafka_dlt-original-timestamp',
  consumerGroup: 'kafka_dlt-original-consumer-group',
  errorClass: 'kafka_dlt-exception-fqcn',
  errorCauseClass: 'kafka_dlt-exception-cause-fqcn',
  errorMessage: 'kafka_dlt-exception-message',
  errorStacktrace: 'kafka_dlt-exception-stacktrace',
  attempts: 'kafka_deliveryAttempt',
} as const;

/** Why and from where a record was dead-lettered. */
export type DeadLetterInfo = {
  readonly originalTopic: string;
  readonly originalPartition: number;
  readonly originalOffset: string;
  /** Milliseconds since the epoch, as Kafka stores it. */
  readonly originalTimestamp: number;
  readonly consumerGroup: string;
  /** The error's `name`, e.g. `UndecodableError`. */
  readonly errorClass: string;
  readonly errorCauseClass?: string;
  readonly errorMessage: string;
  /** How many times the record was tried (decoding or handling) before it was given up. */
  readonly attempts: number;
};

const int32 = (value: number): Buffer => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
};

const int64 = (value: bigint): Buffer => {
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(value);
  return buffer;
};

const maxStacktraceBytes = 8 * 1024;

const errorName = (error: unknown): string =>
  error instanceof Error ? error.name : typeof error === 'object' && error !== null ? error.constructor.name : typeof error;

/** The headers that describe a dead letter, encoded as Spring Kafka encodes them. */
export const toDeadLetterHeaders = (
  info: Omit<DeadLetterInfo, 'errorClass' | 'errorCauseClass' | 'errorMessage'> & { error: unknown },
): Record<string, Buffer> => {
  const { error } = info;
  const cause = error instanceof Error ? error.cause : undefined;
  const headers: Record<string, Buffer> = {
    [deadLetterHeaderNames.originalTopic]: Buffer.from(info.originalTopic),
    [deadLetterHeaderNames.originalPartition]: int32(info.originalPartition),
    [deadLetterHeaderNames.originalOffset]: int64(BigInt(info.originalOffset)),
    [deadLetterHeaderNames.originalTimestamp]: int64(BigInt(info.originalTimestamp)),
    [deadLetterHeaderNames.consumerGroup]: Buffer.from(info.consumerGroup),
    [deadLetterHeaderNames.errorClass]: Buffer.from(errorName(error)),
    [deadLetterHeaderNames.errorMessage]: Buffer.from(error instanceof Error ? error.message : String(error)),
    [deadLetterHeaderNames.attempts]: int32(info.attempts),
  };
  if (cause !== undefined) headers[deadLetterHeaderNames.errorCauseClass] = Buffer.from(errorName(cause));
  if (error instanceof Error && error.stack !== undefined) {
    headers[deadLetterHeaderNames.errorStacktrace] = Buffer.from(error.stack).subarray(0, maxStacktraceBytes);
  }
  return headers;
};

type HeaderValue = string | Buffer | readonly (string | Buffer)[] | undefined;

const last = (value: HeaderValue): Buffer | undefined => {
  const item = Array.isArray(value) ? (value as readonly (string | Buffer)[]).at(-1) : (value as string | Buffer | undefined);
  return item === undefined ? undefined : Buffer.isBuffer(item) ? item : Buffer.from(item);
};

/**
 * Reads the dead-letter headers of a record from a `.dlq` topic (the last value of each, should a record have
 * been dead-lettered more than once); undefined when the record carries none.
 */
export const readDeadLetterHeaders = (headers: Readonly<Record<string, HeaderValue>>): DeadLetterInfo | undefined => {
  const get = (name: string): Buffer | undefined => last(headers[name]);
  const topic = get(deadLetterHeaderNames.originalTopic);
  const partition = get(deadLetterHeaderNames.originalPartition);
  const offset = get(deadLetterHeaderNames.originalOffset);
  if (topic === undefined || partition?.length !== 4 || offset?.length !== 8) return undefined;
  const timestamp = get(deadLetterHeaderNames.originalTimestamp);
  const attempts = get(deadLetterHeaderNames.attempts);
  const causeClass = get(deadLetterHeaderNames.errorCauseClass);
  return {
    originalTopic: topic.toString(),
    originalPartition: partition.readInt32BE(),
    originalOffset: offset.readBigInt64BE().toString(),
    originalTimestamp: timestamp?.length === 8 ? Number(timestamp.readBigInt64BE()) : 0,
    consumerGroup: get(deadLetterHeaderNames.consumerGroup)?.toString() ?? '',
    errorClass: get(deadLetterHeaderNames.errorClass)?.toString() ?? '',
    ...(causeClass === undefined ? {} : { errorCauseClass: causeClass.toString() }),
    errorMessage: get(deadLetterHeaderNames.errorMessage)?.toString() ?? '',
    attempts: attempts?.length === 4 ? attempts.readInt32BE() : 0,
  };
};
