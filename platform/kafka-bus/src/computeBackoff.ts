/**
 * Delay before retry number `attempt` (1 = the first retry): "full jitter" exponential backoff, a uniform pick in
 * `[0, min(maxMs, baseMs * 2^(attempt-1))]`, so consumers failing together do not retry in lockstep.
 * `random` is injectable so the bounds can be tested.
 */
export const computeBackoff = (
  attempt: number,
  { baseMs, maxMs, random = Math.random }: { baseMs: number; maxMs: number; random?: () => number },
): number => {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
};
