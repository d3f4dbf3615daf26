import { describe, expect, it } from 'vitest';
import { formatTable } from './formatTable.ts';

describe('a table', () => {
  it('aligns columns to the widest cell, without trailing spaces', () => {
    expect(
      formatTable(
        ['TOPIC', 'PARTITIONS'],
        [
          ['bookings.events', '3'],
          ['x', '12'],
        ],
      ).split('\n'),
    ).toEqual(['TOPIC            PARTITIONS', 'bookings.events  3', 'x                12']);
  });

  it('is only its header when empty', () => {
    expect(formatTable(['A', 'B'], [])).toBe('A  B');
  });
});
