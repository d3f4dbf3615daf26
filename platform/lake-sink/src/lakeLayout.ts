import { join } from 'node:path';

/** Offsets are 64-bit: 20 digits keep names sorting in offset order. */
export const padOffset = (offset: bigint | string): string => BigInt(offset).toString().padStart(20, '0');

/** A topic name as it may appear in a path: Kafka allows `[a-zA-Z0-9._-]`, none of which breaks a URL or S3 reader. */
const checkTopic = (topic: string): string => {
  if (!/^[a-zA-Z0-9._-]+$/.test(topic)) throw new Error(`topic ${topic} has characters a lake path cannot hold`);
  return topic;
};

/**
 * Where everything lives under a lake's root. Data files are the only `*.parquet` files under `events/`, so a
 * glob over it sees complete, committed files only; staging and manifests sit beside it.
 */
export const lakeLayout = (root: string) => ({
  root,
  eventsDir: join(root, 'events'),
  stagingDir: join(root, '_staging'),
  manifestDir: join(root, '_manifest'),
  /** `events/topic=<t>/date=<YYYY-MM-DD>/<t>-p<partition>-o<startOffset>.parquet` (a compacted file adds `-<lastOffset>`). */
  dataFile: (topic: string, date: string, partition: number, first: bigint, compactedThrough?: bigint): string =>
    join(
      'events',
      `topic=${checkTopic(topic)}`,
      `date=${date}`,
      `${topic}-p${partition}-o${padOffset(first)}${compactedThrough === undefined ? '' : `-${padOffset(compactedThrough)}`}.parquet`,
    ),
  /** The manifest folder of one partition: one entry per committed file, named by its first offset. */
  partitionManifestDir: (topic: string, partition: number): string =>
    join(root, '_manifest', `topic=${checkTopic(topic)}`, `p${partition}`),
});

export type LakeLayout = ReturnType<typeof lakeLayout>;

/** The UTC day of an instant, as a Hive partition value. */
export const utcDate = (epochMs: number): string => new Date(epochMs).toISOString().slice(0, 10);
