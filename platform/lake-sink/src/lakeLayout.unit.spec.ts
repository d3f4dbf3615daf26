import { describe, expect, it } from 'vitest';
import { lakeLayout, utcDate } from './lakeLayout.ts';

describe('the lake layout', () => {
  const layout = lakeLayout;
  it('names a file by topic, UTC day, partition and zero-padded first offset, with no + in it', () => {
    const file = layout.dataFile('bookings.events', '2026-11-20', 3, 42n);
    expect(file).toBe('events/topic=bookings.events/date=2026-11-20/bookings.events-p3-o00000000000000000042.parquet');
    expect(file).not.toContain('+');
  });
  it('names a compacted file by its whole range', () => {
    expect(layout.dataFile('a.events', '2026-11-20', 0, 0n, 99n)).toMatch(/a\.events-p0-o0{20}-0{18}99\.parquet$/);
  });
  it('refuses a topic name a path cannot hold', () => {
    expect(() => layout.dataFile('a/b', '2026-11-20', 0, 0n)).toThrow(/characters/);
  });
  it('files an instant under its UTC day', () => {
    expect(utcDate(Date.parse('2026-11-20T23:59:59.999-01:00'))).toBe('2026-11-21');
    // the day remembered from one call must not leak into the next
    expect(utcDate(Date.parse('2026-11-21T23:59:59.999Z'))).toBe('2026-11-21');
    expect(utcDate(Date.parse('2026-11-22T00:00:00.000Z'))).toBe('2026-11-22');
    expect(utcDate(Date.parse('1969-12-31T23:59:59.999Z'))).toBe('1969-12-31');
  });
});
