import { isRetriable } from '@waggle/errors';
import type { ConsumedRecord } from '@waggle/kafka-bus';
import type { DecodedEvent } from '@waggle/serde';
import { utcDate } from './lakeLayout.ts';

/** One row of the lake's `events` table: the record's place in Kafka, its envelope, its payload and its bytes. */
export type LakeRow = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly key: string | null;
  /** The Avro record full name the writer used, or the `ce_type` header when the value could not be decoded. */
  readonly eventType: string | null;
  readonly schemaId: number | null;
  readonly streamId: string | null;
  /** A stream version: far below 2^53, so a number. */
  readonly streamVersion: number | null;
  readonly ceId: string | null;
  readonly ceType: string | null;
  readonly ceSource: string | null;
  readonly ceTimeMs: number | null;
  readonly correlationId: string | null;
  readonly causationId: string | null;
  readonly traceparent: string | null;
  /** The value decoded with its writer's schema, as JSON text; null when undecodable. */
  readonly payload: string | null;
  readonly value: Buffer | null;
  readonly decodeError: string | null;
  readonly kafkaTimestampMs: number;
  /** The UTC day the row is filed under: of `ce_time`, or of the Kafka timestamp when `ce_time` is missing or bad. */
  readonly date: string;
  /** About what the row costs in a file, for rotation by bytes. */
  readonly size: number;
};

const header = (record: ConsumedRecord<never>, name: string): string | null => record.headers[name]?.toString('utf8') ?? null;

// Avro bytes and fixed come back as Buffers: base64 keeps the JSON text small and reversible
const withBuffers = (data: unknown): string =>
  JSON.stringify(data, function replacer(this: unknown, name: string, value: unknown) {
    const raw = (this as Record<string, unknown>)[name];
    if (Buffer.isBuffer(raw)) return raw.toString('base64');
    if (typeof value === 'bigint') return value.toString();
    return value;
  });

// most events hold no bytes: a replacer function costs every key a call, so it runs only when one shows up
const toJsonText = (data: unknown): string => {
  const plain = JSON.stringify(data);
  return plain.includes('"type":"Buffer"') ? withBuffers(data) : plain;
};

const firstDayMs = Date.parse('0000-01-01T00:00:00Z');
const lastDayMs = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const describe = (error: unknown): string => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/**
 * Turns a record into a lake row. A record that cannot be decoded (not Confluent wire format, an unknown schema id,
 * a corrupt body, missing headers) still becomes a row, with its bytes and the error; a retriable failure (the
 * registry does not answer) is thrown, so the record is tried again rather than stored as undecodable.
 */
export const toLakeRow = async (record: ConsumedRecord<never>, decode: (bytes: Buffer) => Promise<DecodedEvent>): Promise<LakeRow> => {
  const problems: string[] = [];
  let decoded: DecodedEvent | undefined;
  let payload: string | null = null;
  if (record.value === null) problems.push('no value (a tombstone)');
  else {
    try {
      decoded = await decode(record.value);
      payload = toJsonText(decoded.data);
    } catch (error) {
      if (isRetriable(error)) throw error;
      problems.push(describe(error));
    }
  }
  const ceTimeText = header(record, 'ce_time');
  const parsed = ceTimeText === null ? Number.NaN : Date.parse(ceTimeText);
  // a day outside years 0000-9999 has no plain YYYY-MM-DD name to file it under
  const ceTimeMs = parsed >= firstDayMs && parsed <= lastDayMs ? parsed : null;
  if (ceTimeMs === null)
    problems.push(ceTimeText === null ? 'no ce_time header' : `ce_time is not a timestamp of years 0000-9999: ${ceTimeText}`);
  const version = header(record, 'ce_streamversion');
  const streamVersion = version !== null && /^\d{1,15}$/.test(version) ? Number(version) : null;
  const key = record.key?.toString('utf8') ?? null;
  const subject = record.headers['ce_subject'];
  // the subject is most often the key: one string for both
  const streamId = subject === undefined ? key : record.key !== null && subject.equals(record.key) ? key : subject.toString('utf8');
  const ceType = header(record, 'ce_type');
  return {
    topic: record.topic,
    partition: record.partition,
    offset: BigInt(record.offset),
    key,
    eventType: decoded?.fullName ?? ceType,
    schemaId: decoded?.schemaId ?? null,
    streamId,
    streamVersion,
    ceId: header(record, 'ce_id'),
    ceType,
    ceSource: header(record, 'ce_source'),
    ceTimeMs,
    correlationId: header(record, 'correlation_id'),
    causationId: header(record, 'causation_id'),
    traceparent: header(record, 'traceparent'),
    payload,
    value: record.value,
    decodeError: problems.length === 0 ? null : problems.join('; '),
    kafkaTimestampMs: record.timestamp,
    date: utcDate(ceTimeMs ?? record.timestamp),
    size: 200 + (payload?.length ?? 0) + (record.value?.length ?? 0),
  };
};
