import { ValidationError } from '@waggle/errors';
import type { AvroSerde } from '@waggle/serde';
import type { IncomingEvent } from './incomingEvent.ts';

/**
 * An incoming event as the generated type of its context, checked against its local Avro schema, so a field
 * that is missing or of another type dead-letters the record (a non-retriable error) instead of becoming the id
 * `"undefined"`. A type the context does not define (yet) is none of the reaction's business: `undefined`.
 */
export const decodeEvent = <Event extends { readonly type: string; readonly data: unknown }>(
  serde: AvroSerde,
  fullNames: Readonly<Record<Event['type'], string>>,
  event: IncomingEvent,
): Event | undefined => {
  if (!Object.hasOwn(fullNames, event.type)) return undefined;
  const where = `${event.topic}/${event.partition}/${event.offset} (event ${event.meta.id})`;
  const fullName = fullNames[event.type as Event['type']];
  if (event.fullName !== fullName) {
    throw new ValidationError(`${where} is a ${event.fullName}, not the ${fullName} this topic carries`, [
      { path: '', message: `expected ${fullName}` },
    ]);
  }
  const violations = serde.validate(fullName, event.data);
  if (violations.length > 0) {
    throw new ValidationError(
      `${where}: ${fullName} does not match its schema: ${violations.map((v) => `${v.path || '(root)'}: ${v.message}`).join('; ')}`,
      violations,
    );
  }
  return { type: event.type, data: event.data } as unknown as Event;
};
