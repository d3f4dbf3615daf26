import type { RecordedEvent } from '@waggle/event-store';
import { toEventHeaders } from '@waggle/kafka-bus';
import type { AvroSerde } from '@waggle/serde';
import type { OutgoingRecord } from './outboxRelay.ts';

/** Where a service's events go: topic and Avro record per event, and the CloudEvents source of the service. */
export type EventRouting = {
  /** CloudEvents `source` of every event of this service, e.g. `/waggle/bookings`. */
  readonly source: string;
  readonly topicFor: (event: RecordedEvent) => string;
  /** The Avro record full name of the event, e.g. `waggle.bookings.BookingRequested`. */
  readonly fullNameFor: (event: RecordedEvent) => string;
};

/** Header with the event's version in its stream, for consumers that apply each stream in order exactly once. */
export const streamVersionHeader = 'ce_streamversion';

/**
 * Builds the relay's `toRecords`: key = stream (aggregate) id, value = Avro in Confluent wire format under subject
 * `<topic>-<full name>`, headers = CloudEvents binary mode plus correlation, causation, trace context and the
 * stream version.
 */
export const createKafkaRecordMapper =
  (serde: AvroSerde, routing: EventRouting) =>
  (events: readonly RecordedEvent[]): Promise<OutgoingRecord[]> =>
    Promise.all(
      events.map(async (event) => {
        const topic = routing.topicFor(event);
        const fullName = routing.fullNameFor(event);
        const { metadata } = event;
        return {
          topic,
          key: event.streamId,
          value: await serde.encode(topic, fullName, event.data),
          headers: {
            ...toEventHeaders({
              id: metadata.eventId,
              type: fullName,
              source: routing.source,
              time: metadata.occurredAt,
              subject: event.streamId,
              correlationId: metadata.correlationId,
              causationId: metadata.causationId,
              ...(metadata.traceparent === undefined ? {} : { traceparent: metadata.traceparent }),
              ...(metadata.tracestate === undefined ? {} : { tracestate: metadata.tracestate }),
            }),
            [streamVersionHeader]: String(event.version),
          },
        };
      }),
    );
