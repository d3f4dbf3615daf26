import type { ConsumedRecord } from '@waggle/kafka-bus';
import { describe, expect, it } from 'vitest';
import { formatTailEntry, toJsonLine, toTailEntry } from './tailEntry.ts';
import { matchesTailFilter } from './tailFilter.ts';

const record = (value: Buffer | null, headers: Record<string, Buffer> = {}): ConsumedRecord => ({
  topic: 'bookings.events',
  partition: 2,
  offset: '41',
  key: Buffer.from('B-1'),
  value,
  headers,
  timestamp: Date.parse('2026-12-01T09:30:00.000Z'),
});

const wire = (schemaId: number): Buffer => Buffer.concat([Buffer.from([0, 0, 0, 0, schemaId]), Buffer.from([2, 0x41])]);

describe('a decoded record', () => {
  const entry = toTailEntry(record(wire(7), { ce_type: Buffer.from('waggle.bookings.BookingRequested'), ce_subject: Buffer.from('B-1') }), {
    fullName: 'waggle.bookings.BookingRequested',
    schemaId: 7,
    data: { bookingId: 'B-1', seats: 2 },
  });

  it('shows where it is, its key, type, schema id, time, headers and data', () => {
    expect(entry).toEqual({
      topic: 'bookings.events',
      partition: 2,
      offset: '41',
      key: 'B-1',
      timestamp: '2026-12-01T09:30:00.000Z',
      type: 'waggle.bookings.BookingRequested',
      schemaId: 7,
      headers: { ce_type: 'waggle.bookings.BookingRequested', ce_subject: 'B-1' },
      data: { bookingId: 'B-1', seats: 2 },
    });
    expect(formatTailEntry(entry).split('\n')).toEqual([
      'bookings.events[2]@41  key=B-1  waggle.bookings.BookingRequested (schema 7)  2026-12-01T09:30:00.000Z',
      '  ce_type=waggle.bookings.BookingRequested ce_subject=B-1',
      '  {"bookingId":"B-1","seats":2}',
    ]);
  });

  it('is one line of JSON for scripts, with bytes as base64', () => {
    const withBytes = { ...entry, data: { blob: Buffer.from('hi') } };
    expect(JSON.parse(toJsonLine(withBytes))).toMatchObject({ data: { blob: 'aGk=' } });
    expect(toJsonLine(entry)).not.toContain('\n');
  });
});

describe('an undecodable record', () => {
  it('is shown as such, with the type its header claims and the schema id its bytes claim', () => {
    const entry = toTailEntry(record(wire(99), { ce_type: Buffer.from('waggle.bookings.BookingRequested') }), {
      error: 'schema id 99 is unknown to the schema registry',
    });
    expect(entry).toMatchObject({ type: 'waggle.bookings.BookingRequested', schemaId: 99 });
    expect(entry.error).toMatch(/unknown/);
    expect(entry).not.toHaveProperty('data');
    expect(formatTailEntry(entry)).toMatch(/UNDECODABLE: schema id 99/);
  });

  it('has no schema id when it is not in wire format at all', () => {
    expect(toTailEntry(record(Buffer.from('plain text')), { error: 'magic byte 112' }).schemaId).toBeNull();
  });
});

describe('the tail filter', () => {
  const entry = toTailEntry(record(wire(7)), { fullName: 'waggle.bookings.BookingRequested', schemaId: 7, data: {} });
  const unknown = toTailEntry(record(Buffer.from('x')), { error: 'magic byte 120' });

  it('matches the type by event type or full name, never by a mere suffix of a name', () => {
    expect(matchesTailFilter(entry, { type: 'BookingRequested' })).toBe(true);
    expect(matchesTailFilter(entry, { type: 'waggle.bookings.BookingRequested' })).toBe(true);
    expect(matchesTailFilter(entry, { type: 'Requested' })).toBe(false);
    expect(matchesTailFilter(entry, { type: 'BookingConfirmed' })).toBe(false);
  });

  it('matches the key exactly', () => {
    expect(matchesTailFilter(entry, { key: 'B-1' })).toBe(true);
    expect(matchesTailFilter(entry, { key: 'B-10' })).toBe(false);
  });

  it('lets an entry of unknown type through only when no type was asked for', () => {
    expect(matchesTailFilter(unknown, {})).toBe(true);
    expect(matchesTailFilter(unknown, { type: 'BookingRequested' })).toBe(false);
  });
});
