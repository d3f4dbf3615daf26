import { UndecodableError } from '@waggle/errors';

/** An event's envelope: CloudEvents attributes plus correlation, causation and W3C trace context. */
export type EventMeta = {
  readonly id: string;
  readonly type: string;
  readonly source: string;
  /** RFC 3339 / ISO 8601, e.g. `2026-12-01T09:30:00.000Z`. */
  readonly time: string;
  readonly subject: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
};

/** The value's media type: Confluent wire format (magic byte, schema id, Avro body). */
export const avroContentType = 'application/avro';

const required = [
  ['id', 'ce_id'],
  ['type', 'ce_type'],
  ['source', 'ce_source'],
  ['time', 'ce_time'],
  ['subject', 'ce_subject'],
  ['correlationId', 'correlation_id'],
  ['causationId', 'causation_id'],
] as const;

const optional = [
  ['traceparent', 'traceparent'],
  ['tracestate', 'tracestate'],
] as const;

/**
 * Kafka headers for an event in CloudEvents binary mode (Kafka protocol binding 1.0): `ce_*` attributes,
 * `content-type`, plus `correlation_id`, `causation_id` and the W3C `traceparent`/`tracestate` when known.
 */
export const toEventHeaders = (meta: EventMeta): Record<string, string> => {
  const headers: Record<string, string> = { ce_specversion: '1.0', 'content-type': avroContentType };
  for (const [field, header] of required) headers[header] = meta[field];
  for (const [field, header] of optional) {
    const value = meta[field];
    if (value !== undefined) headers[header] = value;
  }
  return headers;
};

const text = (value: string | Buffer | readonly (string | Buffer)[] | undefined): string | undefined => {
  // a repeated header counts by its last value, as Kafka's Headers.lastHeader does
  const last = Array.isArray(value) ? (value as readonly (string | Buffer)[]).at(-1) : (value as string | Buffer | undefined);
  return last === undefined ? undefined : last.toString('utf8');
};

/**
 * Reads an event's envelope back from Kafka headers. Optional fields that are absent are left out; a missing
 * required header, a `ce_specversion` other than 1.0 or an unparseable `ce_time` throws `UndecodableError`, so a
 * consumer dead-letters the record instead of guessing.
 */
export const fromEventHeaders = (
  headers: Readonly<Record<string, string | Buffer | readonly (string | Buffer)[] | undefined>>,
): EventMeta => {
  const specversion = text(headers['ce_specversion']);
  if (specversion !== '1.0') throw new UndecodableError(`ce_specversion is ${specversion ?? 'missing'}, expected 1.0`);
  const missing = required.filter(([, header]) => !text(headers[header])).map(([, header]) => header);
  if (missing.length > 0) throw new UndecodableError(`missing event headers: ${missing.join(', ')}`);
  const read = (header: string): string => text(headers[header]) ?? '';
  const meta: Record<string, string> = {};
  for (const [field, header] of required) meta[field] = read(header);
  for (const [field, header] of optional) {
    const value = text(headers[header]);
    if (value !== undefined) meta[field] = value;
  }
  if (Number.isNaN(Date.parse(read('ce_time')))) throw new UndecodableError(`ce_time is not a timestamp: ${read('ce_time')}`);
  return meta as EventMeta;
};
