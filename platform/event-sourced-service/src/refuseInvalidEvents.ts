import { ValidationError } from '@waggle/errors';
import type { EventStore, NewEvent } from '@waggle/event-store';
import type { AvroSerde, SchemaViolation } from '@waggle/serde';

// the store keeps a JSON copy and the relay encodes that copy, so that is what must match the schema (a Date
// becomes its ISO string, an undefined field is gone); what JSON cannot hold the store refuses itself
const asStored = (data: unknown): { readonly data: unknown } | undefined => {
  try {
    return { data: JSON.parse(JSON.stringify(data)) as unknown };
  } catch {
    return undefined;
  }
};

const violationsOf = (serde: Pick<AvroSerde, 'validate'>, fullName: string, event: NewEvent): SchemaViolation[] => {
  const stored = asStored(event.data);
  return stored === undefined ? [] : serde.validate(fullName, stored.data);
};

/**
 * The event store as routes and reactions get it: an append with an event that breaks its local Avro schema is
 * refused with a `ValidationError` naming the event type and the field (`BookingRequested.passengers[0].lastName`),
 * and nothing is stored. Appended, such an event would be committed but could never be encoded, and would block its
 * outbox lane for good. Local schemas only: no registry call on the append path.
 */
export const refuseInvalidEvents = (
  store: EventStore,
  serde: Pick<AvroSerde, 'validate'>,
  fullNameFor: (eventType: string) => string,
): EventStore => ({
  ...store,
  append: (streamId, events, options) => {
    const details = events.flatMap((event) =>
      violationsOf(serde, fullNameFor(event.type), event).map((v) => ({
        path: v.path === '' ? event.type : `${event.type}.${v.path}`,
        message: v.message,
      })),
    );
    if (details.length === 0) return store.append(streamId, events, options);
    return Promise.reject(
      new ValidationError(
        `the command decided an event that breaks its Avro schema, so nothing was stored: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`,
        details,
      ),
    );
  },
});
