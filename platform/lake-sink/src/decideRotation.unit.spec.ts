import { describe, expect, it } from 'vitest';
import { decideRotation } from './decideRotation.ts';

const rotation = { maxRecords: 3, maxBytes: 1000, maxAgeMs: 5000 };
const file = (rows: number, bytes: number, openedAt: number) => ({ rows: { length: rows }, bytes, openedAt });

describe('an open file', () => {
  it('stays open under every limit', () => {
    expect(decideRotation(file(2, 999, 0), rotation, 4999)).toBe('keep');
  });
  it('rotates at the record count, then bytes, then age', () => {
    expect(decideRotation(file(3, 5000, 0), rotation, 9000)).toBe('records');
    expect(decideRotation(file(1, 1000, 0), rotation, 9000)).toBe('bytes');
    expect(decideRotation(file(1, 10, 0), rotation, 5000)).toBe('age');
  });
});
