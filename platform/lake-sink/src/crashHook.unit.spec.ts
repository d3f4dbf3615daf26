import { describe, expect, it } from 'vitest';
import { createCrashHook } from './crashHook.ts';

describe('the crash hook setting', () => {
  it('is no hook when unset', () => {
    expect(createCrashHook(undefined)).toBeUndefined();
    expect(createCrashHook('')).toBeUndefined();
  });
  it('refuses a point it does not know, a bad count and a bad probability', () => {
    expect(() => createCrashHook('before-lunch')).toThrow(/LAKE_CRASH_AT/);
    expect(() => createCrashHook('after-file:0')).toThrow(/LAKE_CRASH_AT/);
    expect(() => createCrashHook('random:2')).toThrow(/LAKE_CRASH_AT/);
  });
  it('does nothing at other points or before the n-th pass', () => {
    const hook = createCrashHook('after-manifest:3');
    hook?.('after-file');
    hook?.('after-manifest');
    hook?.('after-manifest');
    expect(hook).toBeDefined();
  });
});
