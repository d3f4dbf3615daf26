/** Offsets are 64-bit: 20 digits keep names sorting in offset order. */
export const padOffset = (offset: bigint | string): string => BigInt(offset).toString().padStart(20, '0');

/** A topic name as it may appear in a path: Kafka allows `[a-zA-Z0-9._-]`, none of which breaks a URL or S3 reader. */
const checkTopic = (topic: string): string => {
  if (!/^[a-zA-Z0-9._-]+$/.test(topic)) throw new Error(`topic ${topic} has characters a lake path cannot hold`);
  return topic;
};

/**
 * The keys of everything in a lake, relative to its root (`/`-separated, for a folder and a bucket alike). Data
 * files are the only `*.parquet` objects under `events/`, so a glob over it sees complete, committed files only;
 * staging and manifests sit beside it.
 */
export const lakeLayout = {
  eventsPrefix: 'events/',
  stagingPrefix: '_staging/',
  manifestPrefix: '_manifest/',
  /** `events/topic=<t>/date=<YYYY-MM-DD>/<t>-p<partition>-o<startOffset>.parquet` (a compacted file adds `-<lastOffset>`). */
  dataFile: (topic: string, date: string, partition: number, first: bigint, compactedThrough?: bigint): string =>
    `events/topic=${checkTopic(topic)}/date=${date}/${topic}-p${partition}-o${padOffset(first)}${compactedThrough === undefined ? '' : `-${padOffset(compactedThrough)}`}.parquet`,
  /** A file waiting in staging for its manifest entry: unique per attempt. */
  stagedFile: (topic: string, partition: number, kind: 'o' | 'c', first: bigint | string, id: string): string =>
    `_staging/${checkTopic(topic)}-p${partition}-${kind}${padOffset(first)}-${id}.parquet`,
  /** The start of every staged file's key of one partition (a listing also finds topics named like `<t>-p<n>-…`). */
  stagedPrefix: (topic: string, partition: number): string => `_staging/${checkTopic(topic)}-p${partition}-`,
  /** The start of the data files' keys of one partition and day. */
  partitionDayPrefix: (topic: string, date: string, partition: number): string =>
    `events/topic=${checkTopic(topic)}/date=${date}/${topic}-p${partition}-`,
  /** The manifest prefix of one partition: one entry per committed file, named by its first offset. */
  partitionManifest: (topic: string, partition: number): string => `_manifest/topic=${checkTopic(topic)}/p${partition}/`,
};

export type LakeLayout = typeof lakeLayout;

const dayMs = 86_400_000;
let lastDay = { from: 0, to: 0, text: '1970-01-01' };

/** The UTC day of an instant, as a Hive partition value (the last day is remembered: events come in day runs). */
export const utcDate = (epochMs: number): string => {
  if (epochMs >= lastDay.from && epochMs < lastDay.to) return lastDay.text;
  const from = Math.floor(epochMs / dayMs) * dayMs;
  lastDay = { from, to: from + dayMs, text: new Date(from).toISOString().slice(0, 10) };
  return lastDay.text;
};
