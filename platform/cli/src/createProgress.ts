import { Presets, SingleBar } from 'cli-progress';

/** Progress of a long run, counted in records. */
export type Progress = { readonly advance: (count: number) => void; readonly stop: () => void };

const eta = (seconds: number): string =>
  seconds < 60 ? `${Math.ceil(seconds)} s` : `${Math.floor(seconds / 60)} min ${Math.ceil(seconds % 60)} s`;

/**
 * A progress bar with rate and ETA on a terminal; plain lines (at most one a second) when output goes to a file or
 * a CI log, where a redrawn bar would be noise. Progress goes to stderr, so stdout carries only the result.
 */
export const createProgress = ({
  total,
  label,
  stream = process.stderr,
}: {
  total: number;
  label: string;
  stream?: NodeJS.WriteStream;
}): Progress => {
  const began = performance.now();
  const rate = (done: number): number => Math.round(done / Math.max((performance.now() - began) / 1000, 0.001));
  let done = 0;

  if (stream.isTTY) {
    const bar = new SingleBar(
      { format: `${label} [{bar}] {value}/{total} records | {rate} records/s | ETA {eta_formatted}`, stream, hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(total, 0, { rate: 0 });
    return {
      advance: (count) => {
        done += count;
        bar.update(done, { rate: rate(done) });
      },
      stop: () => bar.stop(),
    };
  }

  let lastLine = began;
  return {
    advance: (count) => {
      done += count;
      const now = performance.now();
      if (done >= total || now - lastLine < 1000) return;
      lastLine = now;
      const perSecond = rate(done);
      stream.write(
        `${label}: ${done}/${total} records (${Math.floor((done / total) * 100)}%), ${perSecond} records/s, ETA ${eta((total - done) / Math.max(perSecond, 1))}\n`,
      );
    },
    stop: () => undefined,
  };
};
