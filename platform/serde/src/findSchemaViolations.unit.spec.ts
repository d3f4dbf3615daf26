import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { findSchemaViolations } from './findSchemaViolations.ts';

const type = avro.Type.forSchema({
  type: 'record',
  name: 'waggle.test.BookingRequested',
  fields: [
    { name: 'bookingId', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null },
    {
      name: 'passengers',
      type: { type: 'array', items: { type: 'record', name: 'Passenger', fields: [{ name: 'lastName', type: 'string' }] } },
    },
  ],
});

describe('a value checked against its schema', () => {
  it('has no violations when it matches, with fields that have defaults left out', () => {
    expect(findSchemaViolations(type, { bookingId: 'B-1', passengers: [{ lastName: 'Lovelace' }] })).toEqual([]);
  });

  it('names every wrong or missing field by its path', () => {
    expect(findSchemaViolations(type, { bookingId: 7, note: 1, passengers: [{ lastName: 'Lovelace' }, {}] })).toEqual([
      { path: 'bookingId', message: 'expected string, got 7' },
      { path: 'note', message: 'expected null | string, got 1' },
      { path: 'passengers[1].lastName', message: 'missing, expected string' },
    ]);
  });

  it('names fields the schema does not declare, also in nested records', () => {
    expect(findSchemaViolations(type, { bookingId: 'B-1', passengers: [{ lastName: 'Lovelace', age: 36 }] })).toEqual([
      { path: 'passengers[0].age', message: 'not declared in waggle.test.Passenger' },
    ]);
  });
});
