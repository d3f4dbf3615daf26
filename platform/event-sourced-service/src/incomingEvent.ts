import { UndecodableError } from '@waggle/errors';
import { fromEventHeaders, type ConsumedRecord, type EventMeta } from '@waggle/kafka-bus';
import { streamVersionHeader } from '@waggle/outbox-relay';
import type { AvroSerde } from '@waggle/serde';

/** An event of another context (or this one), decoded from Kafka, as reactions see it. */
export type IncomingEvent = {
  /** The event type name, e.g. `BookingRequested`. */
  readonly type: string;
  /** The Avro record full name, e.g. `waggle.bookings.BookingRequested`. */
  readonly fullName: string;
  readonly data: Readonly<Record<string, unknown>>;
  readonly meta: EventMeta;
  /** Its version in its stream, when it came from an event store (absent for events produced by the CLI). */
  readonly streamVersion?: number;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
};

/** Decodes a record (Confluent wire format + CloudEvents headers); undecodable records are dead-lettered by the consumer. */
export const decodeIncoming =
  (serde: AvroSerde) =>
  async (record: ConsumedRecord<never>): Promise<IncomingEvent> => {
    if (!record.value) throw new UndecodableError(`record ${record.topic}/${record.partition}/${record.offset} has no value`);
    const decoded = await serde.decode(record.value);
    const meta = fromEventHeaders(record.headers);
    const version = record.headers[streamVersionHeader]?.toString();
    return {
      type: decoded.fullName.slice(decoded.fullName.lastIndexOf('.') + 1),
      fullName: decoded.fullName,
      // avsc decodes into record class instances; reactions work on plain data
      data: JSON.parse(JSON.stringify(decoded.data)) as Record<string, unknown>,
      meta,
      ...(version === undefined ? {} : { streamVersion: Number(version) }),
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
    };
  };
