import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateTypes } from './generateTypes.ts';

const givenSchemas = (files: Record<string, object>): string => {
  const root = mkdtempSync(join(tmpdir(), 'waggle-generate-'));
  for (const [path, schema] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), JSON.stringify(schema));
  }
  return root;
};

describe('schemas of two contexts', () => {
  const root = givenSchemas({
    'bookings/BookingRequested.avsc': {
      type: 'record',
      name: 'BookingRequested',
      namespace: 'waggle.bookings',
      doc: 'A customer asked to book.',
      fields: [
        { name: 'bookingId', type: 'string', doc: 'Booking id.' },
        {
          name: 'passengers',
          type: { type: 'array', items: { type: 'record', name: 'Passenger', fields: [{ name: 'lastName', type: 'string' }] } },
        },
        { name: 'note', type: ['null', 'string'], default: null },
        { name: 'fareCents', type: 'long' },
      ],
    },
    'flights/FlightCancelled.avsc': {
      type: 'record',
      name: 'FlightCancelled',
      namespace: 'waggle.flights',
      fields: [{ name: 'flightId', type: 'string' }],
    },
  });

  it('generate one module per context, the union of all events and the index, formatted', async () => {
    const files = await generateTypes(root);
    expect(files.map((file) => file.path.slice(root.length + 1))).toEqual([
      'src/generated/bookings.ts',
      'src/generated/flights.ts',
      'src/generated/events.ts',
      'src/index.ts',
    ]);
    const bookings = files[0]?.content ?? '';
    expect(bookings).toContain('export type Passenger = {\n  readonly lastName: string;\n};');
    expect(bookings).toContain(
      [
        '/** A customer asked to book. */',
        'export type BookingRequested = {',
        "  readonly type: 'BookingRequested';",
        '  readonly data: {',
        '    /** Booking id. */',
        '    readonly bookingId: string;',
        '    readonly passengers: readonly Passenger[];',
        '    readonly note?: null | string;',
        '    readonly fareCents: number;',
        '  };',
        '};',
      ].join('\n'),
    );
    expect(bookings).toContain("BookingRequested: 'waggle.bookings.BookingRequested',");
    expect(files[2]?.content).toContain('export type WaggleEvent = BookingsEvent | FlightsEvent;');
    expect(files[3]?.content).toContain("export type { Passenger, BookingRequested, BookingsEvent } from './generated/bookings.ts';");
  });

  it('refuses a schema whose record name is not its file name', async () => {
    const wrong = givenSchemas({
      'flights/FlightCancelled.avsc': { type: 'record', name: 'Cancelled', namespace: 'waggle.flights', fields: [] },
    });
    await expect(generateTypes(wrong)).rejects.toThrow(/FlightCancelled\.avsc: expected .*"name": "FlightCancelled"/);
  });
});
