import type { TaskDef } from './workflowDef.ts';

const maxInt = 2_147_483_647;

/** Seconds before attempt `retryCount + 1` (Conductor: FIXED, EXPONENTIAL_BACKOFF ×2^n, LINEAR_BACKOFF ×scale×(n+1)). */
export const retryDelaySeconds = (taskDef: TaskDef, retryCount: number): number => {
  const base = taskDef.retryDelaySeconds ?? 60;
  const logic = taskDef.retryLogic ?? 'FIXED';
  const raw =
    logic === 'EXPONENTIAL_BACKOFF'
      ? base * 2 ** retryCount
      : logic === 'LINEAR_BACKOFF'
        ? base * (taskDef.backoffScaleFactor ?? 1) * (retryCount + 1)
        : base;
  const clamped = Math.min(raw, maxInt);
  const cap = taskDef.maxRetryDelaySeconds ?? 0;
  return cap > 0 ? Math.min(clamped, cap) : clamped;
};
