import type { PartitionProgress } from '@waggle/read-model';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';

/** Progress of a rebuild, one line or bar per topic partition (or event-store lane). */
export type ReplayProgressView = { readonly update: (partitions: readonly PartitionProgress[]) => void; readonly stop: () => void };

const eta = (seconds: number | null): string =>
  seconds === null ? '?' : seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;

const labelOf = (p: PartitionProgress): string => `${p.topic}/${p.partition}`;

/**
 * Bars with events/s and ETA per partition on a terminal (as `createProgress` draws one), plain lines at most once
 * a second otherwise, or one JSON object per reading with `json`. Progress goes to stderr unless `json`, so stdout
 * carries only the outcome.
 */
export const createReplayProgressView = (options: { json: boolean; stream?: NodeJS.WriteStream }): ReplayProgressView => {
  const stream = options.stream ?? process.stderr;
  if (options.json) return { update: (partitions) => console.log(JSON.stringify({ progress: partitions })), stop: () => undefined };

  if (stream.isTTY) {
    const multi = new MultiBar(
      {
        format: '{label} [{bar}] {value}/{total} events | {rate} events/s | ETA {eta}',
        stream,
        hideCursor: true,
        clearOnComplete: false,
      },
      Presets.shades_classic,
    );
    const bars = new Map<string, SingleBar>();
    const width = { label: 0 };
    return {
      update: (partitions) => {
        width.label = Math.max(width.label, ...partitions.map((p) => labelOf(p).length));
        for (const p of partitions) {
          const payload = { label: labelOf(p).padEnd(width.label), rate: p.eventsPerSecond, eta: eta(p.etaSeconds) };
          const bar = bars.get(labelOf(p));
          if (bar === undefined) bars.set(labelOf(p), multi.create(Math.max(p.total, 1), p.done, payload));
          else {
            bar.setTotal(Math.max(p.total, 1));
            bar.update(p.done, payload);
          }
        }
      },
      stop: () => multi.stop(),
    };
  }

  let last = 0;
  return {
    update: (partitions) => {
      const now = Date.now();
      if (now - last < 1000) return;
      last = now;
      for (const p of partitions) {
        const percent = p.total === 0 ? 100 : Math.floor((p.done / p.total) * 100);
        stream.write(`${labelOf(p)}: ${p.done}/${p.total} events (${percent}%), ${p.eventsPerSecond} events/s, ETA ${eta(p.etaSeconds)}\n`);
      }
    },
    stop: () => undefined,
  };
};
