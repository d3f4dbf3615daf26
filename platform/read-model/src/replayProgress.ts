import type { PartitionLag } from '@waggle/kafka-bus';

/** How far one partition (or event-store lane) of a rebuild has come, and how fast it moves. */
export type PartitionProgress = {
  readonly topic: string;
  readonly partition: number;
  /** Records applied since the earliest retained offset (for a lane: batches read). */
  readonly done: number;
  /** Records from the earliest retained offset to the end (for a lane: batches in it). */
  readonly total: number;
  readonly lag: number;
  readonly eventsPerSecond: number;
  /** Null while it does not move. */
  readonly etaSeconds: number | null;
};

// the rate is measured over this window: long enough to smooth out fetch bursts, short enough to follow a slowdown
const windowMs = 10_000;

type Sample = { readonly at: number; readonly done: number };

/** Rates and ETAs from successive readings of positions, per partition. */
export const createProgressTracker = () => {
  const samples = new Map<string, Sample[]>();
  const track = (key: string, done: number, now: number): number => {
    const kept = [...(samples.get(key) ?? []).filter((s) => now - s.at <= windowMs), { at: now, done }];
    samples.set(key, kept);
    const first = kept[0]!;
    const seconds = (now - first.at) / 1000;
    return seconds <= 0 ? 0 : Math.max(0, (done - first.done) / seconds);
  };
  const progressOf = (topic: string, partition: number, done: number, total: number, now: number): PartitionProgress => {
    const rate = track(`${topic}:${partition}`, done, now);
    const lag = Math.max(0, total - done);
    return {
      topic,
      partition,
      done,
      total,
      lag,
      eventsPerSecond: Math.round(rate),
      etaSeconds: lag === 0 ? 0 : rate > 0 ? Math.ceil(lag / rate) : null,
    };
  };
  return {
    /** From a consumer group's lag: positions counted from each partition's earliest retained offset. */
    fromLag: (lags: readonly PartitionLag[], lows: ReadonlyMap<string, bigint>, now = Date.now()): PartitionProgress[] =>
      lags.map((l) => {
        const low = lows.get(`${l.topic}:${l.partition}`) ?? 0n;
        const committed = BigInt(l.committed) < 0n ? low : BigInt(l.committed);
        return progressOf(l.topic, l.partition, Number(committed - low), Number(BigInt(l.high) - low), now);
      }),
    fromLanes: (source: string, lanes: readonly { lane: number; seq: number; head: number }[], now = Date.now()): PartitionProgress[] =>
      lanes.map((l) => progressOf(`${source} event store`, l.lane, l.seq, Math.max(l.head, l.seq), now)),
    forget: (): void => samples.clear(),
  };
};

export type ProgressTracker = ReturnType<typeof createProgressTracker>;
