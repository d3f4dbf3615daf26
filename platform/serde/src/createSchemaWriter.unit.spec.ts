import { ValidationError } from '@waggle/errors';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { createSchemaWriter } from './createSchemaWriter.ts';
import { fromWireFormat } from './wireFormat.ts';

const schema = {
  type: 'record',
  name: 'SeatsHeld',
  namespace: 'waggle.flights',
  fields: [
    { name: 'flightId', type: 'string' },
    { name: 'seats', type: 'int' },
  ],
};

describe('a schema writer for a registered schema', () => {
  const writer = createSchemaWriter({ schemaId: 42, schema: JSON.stringify(schema) });

  it('knows the record it writes', () => {
    expect(writer.fullName).toBe('waggle.flights.SeatsHeld');
    expect(writer.schemaId).toBe(42);
  });

  it('encodes valid data in Confluent wire format with its schema id', () => {
    const { schemaId, body } = fromWireFormat(writer.encode({ flightId: 'LH400-2026-12-01', seats: 2 }));
    expect(schemaId).toBe(42);
    expect(avro.Type.forSchema(schema as avro.Schema).fromBuffer(body)).toEqual({ flightId: 'LH400-2026-12-01', seats: 2 });
  });

  it('names every field that breaks the schema, and refuses to encode', () => {
    const data = { flightId: 7, seats: 'two' };
    expect(writer.validate(data)).toEqual([
      { path: 'flightId', message: 'expected string, got 7' },
      { path: 'seats', message: 'expected int, got "two"' },
    ]);
    expect(() => writer.encode(data)).toThrow(ValidationError);
  });

  it('accepts the schema already parsed', () => {
    expect(createSchemaWriter({ schemaId: 1, schema }).validate({ flightId: 'F', seats: 1 })).toEqual([]);
  });
});
