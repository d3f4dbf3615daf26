import { describe, expect, it } from 'vitest';
import { computeBackoff } from './computeBackoff.ts';

describe('full-jitter exponential backoff', () => {
  const options = { baseMs: 100, maxMs: 5000 };

  it('doubles the ceiling with each attempt', () => {
    const highest = (attempt: number) => computeBackoff(attempt, { ...options, random: () => 0.999999 });
    expect([1, 2, 3, 4].map(highest)).toEqual([99, 199, 399, 799]);
  });

  it('never exceeds the maximum, however many attempts', () => {
    expect(computeBackoff(40, { ...options, random: () => 0.999999 })).toBe(4999);
  });

  it('can be zero, so failing consumers spread out instead of retrying together', () => {
    expect(computeBackoff(3, { ...options, random: () => 0 })).toBe(0);
  });

  it('stays within [0, ceiling) with real randomness', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const delay = computeBackoff(attempt, options);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(5000, 100 * 2 ** (attempt - 1)));
    }
  });
});
