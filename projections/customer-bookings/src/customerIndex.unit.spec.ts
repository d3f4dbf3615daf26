import { describe, expect, it } from 'vitest';
import { entriesAfter, withBookings, type CustomerIndex } from './customerIndex.ts';

const empty: CustomerIndex = { customerId: 'customer-7', entries: [] };
const at = (requestedAt: string, bookingId: string) => ({ requestedAt, bookingId });

describe("a customer's list", () => {
  it('keeps its bookings newest request first, ties by booking id descending', () => {
    const index = withBookings(empty, [
      at('2026-11-01T10:00:00Z', 'b-1'),
      at('2026-11-02T10:00:00Z', 'b-2'),
      at('2026-11-01T10:00:00Z', 'b-3'),
    ]);
    expect(index.entries.map((e) => e.bookingId)).toEqual(['b-2', 'b-3', 'b-1']);
  });

  it('is the same object when a redelivered batch lists a booking already there', () => {
    const index = withBookings(empty, [at('2026-11-01T10:00:00Z', 'b-1')]);
    expect(withBookings(index, [at('2026-11-01T10:00:00Z', 'b-1')])).toBe(index);
  });

  it('moves a booking whose request time changed instead of listing it twice', () => {
    const index = withBookings(empty, [at('2026-11-01T10:00:00Z', 'b-1'), at('2026-11-02T10:00:00Z', 'b-2')]);
    const moved = withBookings(index, [at('2026-11-03T10:00:00Z', 'b-1')]);
    expect(moved.entries).toEqual([at('2026-11-03T10:00:00Z', 'b-1'), at('2026-11-02T10:00:00Z', 'b-2')]);
  });

  it('pages strictly after a position', () => {
    const index = withBookings(empty, [
      at('2026-11-01T10:00:00Z', 'b-1'),
      at('2026-11-01T10:00:00Z', 'b-2'),
      at('2026-10-01T10:00:00Z', 'b-0'),
    ]);
    expect(entriesAfter(index, at('2026-11-01T10:00:00Z', 'b-2')).map((e) => e.bookingId)).toEqual(['b-1', 'b-0']);
    expect(entriesAfter(index, undefined)).toHaveLength(3);
  });
});
