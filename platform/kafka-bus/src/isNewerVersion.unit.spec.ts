import { describe, expect, it } from 'vitest';
import { isNewerVersion, isNextVersion } from './isNewerVersion.ts';

describe('version guards for idempotent handlers', () => {
  it('apply an event when nothing was applied yet', () => {
    expect(isNewerVersion(undefined, 1)).toBe(true);
    expect(isNextVersion(undefined, 1)).toBe(true);
  });

  it('skip a redelivered or older event', () => {
    expect(isNewerVersion(3, 3)).toBe(false);
    expect(isNewerVersion(3, 2)).toBe(false);
    expect(isNewerVersion(3, 5)).toBe(true);
  });

  it('in strict mode, refuse a gap', () => {
    expect(isNextVersion(3, 4)).toBe(true);
    expect(isNextVersion(3, 5)).toBe(false);
    expect(isNextVersion(undefined, 2)).toBe(false);
  });
});
