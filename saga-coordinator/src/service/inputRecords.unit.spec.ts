import { describe, expect, it } from 'vitest';
import { toEngineInput } from './inputRecords.ts';

describe('a timer input', () => {
  const timer = { kind: 'timer' as const, workflowId: 'w', timerId: 't', timer: { kind: 'workflowTimeout' as const }, fireAt: 10_000 };

  it('swept by an instance whose clock runs ahead: decided at its due time, so the engine finds it due', () => {
    expect(toEngineInput(timer, 9_400).meta.at).toBe(10_000);
  });

  it('applied after its due time: decided when applied', () => {
    expect(toEngineInput(timer, 12_000).meta.at).toBe(12_000);
  });
});
