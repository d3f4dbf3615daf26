import { UndecodableError } from '@waggle/errors';
import { fromEventHeaders, type ConsumedRecord } from '@waggle/kafka-bus';
import { streamVersionHeader } from '@waggle/outbox-relay';
import type { AvroSerde } from '@waggle/serde';
import type { ProjectedEvent, SkippedEvent } from './projectedEvent.ts';

const readStreamVersion = (header: Buffer | undefined): number | undefined => {
  if (header === undefined) return undefined;
  const version = Number(header.toString('utf8'));
  if (!Number.isSafeInteger(version) || version < 1)
    throw new UndecodableError(`${streamVersionHeader} is not a positive integer: ${header.toString('utf8')}`);
  return version;
};

/**
 * Turns a record (Confluent wire format, CloudEvents headers) into a projected event of one of `fullNames`; any
 * other event type on the topic becomes a `SkippedEvent` that only counts its stream version (null when the record
 * has no key or no version: nothing to count). Undecodable records throw `UndecodableError`, so the consumer
 * dead-letters them.
 */
export const createEventDecoder = <E extends { readonly type: string; readonly data: unknown }>(
  serde: AvroSerde,
  fullNames: Readonly<Record<E['type'], string>>,
) => {
  const typeOf = new Map<string, string>(Object.entries<string>(fullNames).map(([type, fullName]) => [fullName, type]));
  return async (record: ConsumedRecord<never>): Promise<ProjectedEvent<E> | SkippedEvent | null> => {
    if (record.value === null) throw new UndecodableError(`record ${record.topic}/${record.partition}/${record.offset} has no value`);
    const meta = fromEventHeaders(record.headers);
    const streamVersion = readStreamVersion(record.headers[streamVersionHeader]);
    const decoded = await serde.decode(record.value);
    const type = typeOf.get(decoded.fullName);
    if (type === undefined) {
      if (record.key === null || streamVersion === undefined) return null;
      const occurredAt = new Date(meta.time).toISOString();
      return { skipped: decoded.fullName, streamId: record.key.toString('utf8'), eventId: meta.id, streamVersion, occurredAt };
    }
    // avsc gives record class instances; the read model stores plain data
    const data: unknown = JSON.parse(JSON.stringify(decoded.data));
    return { event: { type, data } as E, eventId: meta.id, streamVersion, occurredAt: new Date(meta.time).toISOString() };
  };
};
