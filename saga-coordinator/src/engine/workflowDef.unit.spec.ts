import { describe, expect, it } from 'vitest';
import { withTaskDefDefaults } from './workflowDef.ts';

describe('a task def as registered', () => {
  it("without responseTimeoutSeconds gets Conductor's 3600 s", () => {
    expect(withTaskDefDefaults({ name: 'a', retryCount: 0 })).toEqual({ name: 'a', retryCount: 0, responseTimeoutSeconds: 3600 });
    expect(withTaskDefDefaults({ name: 'a', timeoutSeconds: 7200 }).responseTimeoutSeconds).toBe(3600);
  });

  it('keeps the one it sets, and gets none under a task timeout shorter than 3600 s (which bounds the wait already)', () => {
    expect(withTaskDefDefaults({ name: 'a', responseTimeoutSeconds: 30 }).responseTimeoutSeconds).toBe(30);
    expect(withTaskDefDefaults({ name: 'a', timeoutSeconds: 60 })).toEqual({ name: 'a', timeoutSeconds: 60 });
  });
});
