import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `condition` until it returns a value other than `undefined`/`false` and returns that value; throws with
 * `description` and the last error after `timeoutMs`. Tests wait with this, never with a sleep.
 */
export const waitFor = async <T>(
  condition: () => Promise<T | undefined | false> | T | undefined | false,
  {
    timeoutMs = 20_000,
    intervalMs = 50,
    description = 'condition',
  }: { timeoutMs?: number; intervalMs?: number; description?: string } = {},
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`, { cause: lastError });
    }
    await delay(intervalMs);
  }
};
