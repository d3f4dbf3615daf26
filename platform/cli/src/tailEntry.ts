import type { ConsumedRecord } from '@waggle/kafka-bus';

/** A record as `waggle tail` shows it; `--json` prints exactly this, one per line. */
export type TailEntry = {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  /** Broker timestamp, ISO 8601. */
  readonly timestamp: string;
  /** The Avro record full name of the value, or the `ce_type` header when the value could not be read. */
  readonly type: string | null;
  /** The schema id of the Confluent wire format header, when the value has one. */
  readonly schemaId: number | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly data?: unknown;
  /** Why the value could not be decoded; then there is no `data`. */
  readonly error?: string;
};

export type Decoded = { readonly fullName: string; readonly schemaId: number; readonly data: unknown } | { readonly error: string };

// headers are bytes; every header waggle writes is UTF-8 text
const toText = (headers: ConsumedRecord['headers']): Record<string, string> =>
  Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, value.toString('utf8')]])));

// the schema id straight from the bytes, so even an undecodable value says which schema it claims
const schemaIdOf = (value: Buffer | null): number | null =>
  value !== null && value.length >= 5 && value[0] === 0 ? value.readInt32BE(1) : null;

export const toTailEntry = (record: ConsumedRecord, decoded: Decoded): TailEntry => {
  const headers = toText(record.headers);
  const common = {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    key: record.key === null ? null : record.key.toString('utf8'),
    timestamp: new Date(record.timestamp).toISOString(),
  };
  if ('error' in decoded)
    return { ...common, type: headers['ce_type'] ?? null, schemaId: schemaIdOf(record.value), headers, error: decoded.error };
  return { ...common, type: decoded.fullName, schemaId: decoded.schemaId, headers, data: decoded.data };
};

// Avro longs decode to numbers and bytes to Buffers; JSON shows the latter as base64 rather than a byte array
const replacer = (_key: string, value: unknown): unknown =>
  typeof value === 'object' && value !== null && 'type' in value && value.type === 'Buffer' && 'data' in value && Array.isArray(value.data)
    ? Buffer.from(value.data as number[]).toString('base64')
    : typeof value === 'bigint'
      ? value.toString()
      : value;

/** The entry as one line of JSON, for scripts. */
export const toJsonLine = (entry: TailEntry): string => JSON.stringify(entry, replacer);

/** The entry for people: where and what on the first line, the headers, then the data (or why there is none). */
export const formatTailEntry = (entry: TailEntry): string => {
  const where = `${entry.topic}[${entry.partition}]@${entry.offset}`;
  const schema = entry.schemaId === null ? '' : ` (schema ${entry.schemaId})`;
  const headers = Object.entries(entry.headers)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
  const body = entry.error === undefined ? JSON.stringify(entry.data, replacer) : `UNDECODABLE: ${entry.error}`;
  return `${where}  key=${entry.key ?? '(none)'}  ${entry.type ?? '(unknown type)'}${schema}  ${entry.timestamp}\n  ${headers}\n  ${body}`;
};
