/** The points of a commit where a test may kill the sink: after the staged file, the manifest entry, the rename, the offset commit. */
export type CrashPoint = 'after-file' | 'after-manifest' | 'after-rename' | 'after-commit';

export type CrashHook = (point: CrashPoint) => void;

const points: readonly CrashPoint[] = ['after-file', 'after-manifest', 'after-rename', 'after-commit'];

/**
 * A test hook from a setting such as `after-manifest:3` (SIGKILL itself the 3rd time it passes that point) or
 * `random:0.2` (at each point, with that probability). Undefined or empty: no hook. `counter` (a shared one-element
 * array) counts the passes of every thread that holds it, so the 3rd is the process's, not one member's.
 */
export const createCrashHook = (spec: string | undefined, counter: Int32Array = new Int32Array(1)): CrashHook | undefined => {
  if (spec === undefined || spec === '') return undefined;
  const [what, arg] = spec.split(':');
  if (what === 'random') {
    const p = Number(arg);
    if (!(p > 0 && p <= 1)) throw new Error(`LAKE_CRASH_AT=${spec}: random:<probability in (0,1]>`);
    return () => {
      if (Math.random() < p) process.kill(process.pid, 'SIGKILL');
    };
  }
  const point = points.find((candidate) => candidate === what);
  const nth = Number(arg ?? '1');
  if (point === undefined || !Number.isInteger(nth) || nth < 1)
    throw new Error(`LAKE_CRASH_AT=${spec}: expected <${points.join('|')}>[:n] or random:<p>`);
  return (at) => {
    if (at === point && Atomics.add(counter, 0, 1) + 1 === nth) process.kill(process.pid, 'SIGKILL');
  };
};
