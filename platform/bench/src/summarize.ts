/** Median, spread and count of a set of samples: what every benchmark line reports. */
export type Summary = { readonly median: number; readonly min: number; readonly max: number; readonly n: number };

export const summarize = (samples: readonly number[]): Summary => {
  if (samples.length === 0) throw new RangeError('summarize needs at least one sample');
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { median, min: sorted[0] ?? 0, max: sorted.at(-1) ?? 0, n: sorted.length };
};

/** The p-th percentile (0–100) of samples, nearest-rank. */
export const percentile = (samples: readonly number[], p: number): number => {
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] ?? Number.NaN;
};

/** Rounds to 3 significant digits for readable JSON lines. */
export const round = (value: number): number => Number(value.toPrecision(3));
