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
  it('counts the passes of every hook that shares a counter (the members of one process)', () => {
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const first = createCrashHook('after-rename:3', counter);
    const second = createCrashHook('after-rename:3', counter);
    first?.('after-rename');
    second?.('after-rename');
    second?.('after-commit');
    expect(counter[0]).toBe(2);
  });
});
