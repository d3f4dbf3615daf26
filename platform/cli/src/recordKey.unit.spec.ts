import { loadSchemas } from '@waggle/schemas';
import { describe, expect, it } from 'vitest';
import { aggregateKeyFields, recordKeyOf } from './recordKey.ts';

describe('the key of an event', () => {
  it('is the aggregate id of its context', () => {
    expect(recordKeyOf('flights', { flightId: 'LH400-2026-12-01', bookingId: 'B-1' })).toEqual({ key: 'LH400-2026-12-01' });
    expect(recordKeyOf('bookings', { bookingId: 'B-1', flightId: 'LH400-2026-12-01' })).toEqual({ key: 'B-1' });
    expect(recordKeyOf('payments', { paymentId: 'P-1', bookingId: 'B-1' })).toEqual({ key: 'B-1' });
    expect(recordKeyOf('loyalty', { memberId: 'M-1', bookingId: 'B-1' })).toEqual({ key: 'M-1' });
    expect(recordKeyOf('checkin', { bookingId: 'B-1', flightId: 'LH400-2026-12-01' })).toEqual({ key: 'LH400-2026-12-01' });
  });

  it('cannot come from a missing or empty id, and says which field to fix', () => {
    const missing = recordKeyOf('bookings', { flightId: 'F' });
    expect(missing).toMatchObject({ path: '/bookingId' });
    expect('message' in missing && missing.message).toMatch(/--key/);
    expect(recordKeyOf('bookings', { bookingId: '' })).toMatchObject({ path: '/bookingId' });
    expect(recordKeyOf('bookings', { bookingId: 7 })).toMatchObject({ path: '/bookingId' });
  });

  it('cannot be derived for a context nobody told us about', () => {
    const unknown = recordKeyOf('weather', { stationId: 'S' });
    expect(unknown).not.toHaveProperty('key');
    expect('message' in unknown && unknown.message).toMatch(/weather.*--key/);
  });

  it('comes from a required string field of every local event schema', () => {
    for (const schema of loadSchemas()) {
      const field = aggregateKeyFields[schema.context];
      const declared = (schema.schema['fields'] as { name: string; type: unknown }[]).find((f) => f.name === field);
      expect(declared?.type, `${schema.fullName}.${field ?? '?'}`).toBe('string');
    }
  });
});
