import { ValidationError } from '@waggle/errors';
import avro from 'avsc';
import { findSchemaViolations, type SchemaViolation } from './findSchemaViolations.ts';
import { toWireFormat } from './wireFormat.ts';

/** Validates and encodes records with one given schema and schema id, without asking the registry anything. */
export type SchemaWriter = {
  /** The Avro full name of the schema's record, e.g. `waggle.bookings.BookingRequested`. */
  readonly fullName: string;
  readonly schemaId: number;
  /** Where `data` does not match the schema; empty when it can be encoded. */
  validate(data: unknown): SchemaViolation[];
  /** Confluent wire format of `data`; throws `ValidationError` with field paths when it does not match. */
  encode(data: unknown): Buffer;
};

/**
 * Creates a writer for a schema already known with its id, typically the registered one from
 * `RegistryReader.latest`, so a tool checks data against exactly what consumers will read it with.
 * `schema` is the schema's JSON text or its parsed form.
 */
export const createSchemaWriter = ({ schemaId, schema }: { schemaId: number; schema: string | object }): SchemaWriter => {
  const type = avro.Type.forSchema((typeof schema === 'string' ? JSON.parse(schema) : schema) as avro.Schema);
  const fullName = type.name ?? type.typeName;
  const validate = (data: unknown): SchemaViolation[] => findSchemaViolations(type, data);
  return {
    fullName,
    schemaId,
    validate,
    encode(data) {
      const violations = validate(data);
      if (violations.length > 0) {
        throw new ValidationError(
          `${fullName} does not match its schema: ${violations.map((v) => `${v.path || '(root)'}: ${v.message}`).join('; ')}`,
          violations,
        );
      }
      return toWireFormat(schemaId, type.toBuffer(data));
    },
  };
};
