export type { Bench, BenchContext } from './benchContext.ts';
export { percentile, round, summarize } from './summarize.ts';
export type { Summary } from './summarize.ts';
