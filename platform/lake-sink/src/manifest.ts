import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WaggleError } from '@waggle/errors';
import { createExclusive, exists, removeIfPresent, renameDurably } from './durableFiles.ts';
import { padOffset, type LakeLayout } from './lakeLayout.ts';

/** One committed data file: the manifest is the lake's truth, a file counts only once its entry exists. */
export type ManifestEntry = {
  /** `file`: written by the sink; `compacted`: merges the files of the entries it `replaces`. */
  readonly kind: 'file' | 'compacted';
  readonly topic: string;
  readonly partition: number;
  readonly date: string;
  readonly firstOffset: string;
  readonly lastOffset: string;
  readonly rows: number;
  readonly undecodable: number;
  readonly bytes: number;
  readonly minCeTime: string | null;
  readonly maxCeTime: string | null;
  readonly schemaIds: readonly number[];
  /** Relative to the lake's root. */
  readonly file: string;
  /** Where the complete file waits until it is renamed to `file` (relative to the root). */
  readonly staging: string;
  readonly writer: string;
  readonly writtenAt: string;
  /** Entry names a compacted entry replaces. */
  readonly replaces?: readonly string[];
};

export type NamedEntry = ManifestEntry & { readonly name: string };

export const entryName = (entry: Pick<ManifestEntry, 'kind' | 'firstOffset' | 'lastOffset'>): string =>
  entry.kind === 'file' ? `${padOffset(entry.firstOffset)}.json` : `c-${padOffset(entry.firstOffset)}-${padOffset(entry.lastOffset)}.json`;

/**
 * Commits an entry; false when an entry of that name exists. Sink entries are named by their first offset and each
 * starts where the partition's last one ended, so two writers that both believe they own a partition (a revoked
 * member that has not noticed yet) cannot both commit the same range: the second sees `false` and must reread.
 */
export const commitEntry = (layout: LakeLayout, entry: ManifestEntry): Promise<boolean> =>
  createExclusive(join(layout.partitionManifestDir(entry.topic, entry.partition), entryName(entry)), `${JSON.stringify(entry, null, 1)}\n`);

/** Every entry of one partition, in offset order (compacted entries after the file entries they replace). */
export const readPartitionManifest = async (layout: LakeLayout, topic: string, partition: number): Promise<NamedEntry[]> => {
  const dir = layout.partitionManifestDir(topic, partition);
  const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [] as string[];
    throw error;
  });
  const entries = await Promise.all(
    names
      .filter((name) => name.endsWith('.json'))
      .map(async (name) => ({ ...(JSON.parse(await readFile(join(dir, name), 'utf8')) as ManifestEntry), name })),
  );
  return entries.sort((a, b) => {
    const byFirst = BigInt(a.firstOffset) - BigInt(b.firstOffset);
    if (byFirst !== 0n) return byFirst < 0n ? -1 : 1;
    return a.kind === b.kind ? 0 : a.kind === 'file' ? -1 : 1;
  });
};

/** The topics and partitions a lake has manifests for. */
export const listManifestPartitions = async (layout: LakeLayout): Promise<{ topic: string; partition: number }[]> => {
  const found: { topic: string; partition: number }[] = [];
  const topics = await readdir(layout.manifestDir).catch(() => [] as string[]);
  for (const topicDir of topics.filter((t) => t.startsWith('topic=')).sort()) {
    for (const p of await readdir(join(layout.manifestDir, topicDir))) {
      if (/^p\d+$/.test(p)) found.push({ topic: topicDir.slice('topic='.length), partition: Number(p.slice(1)) });
    }
  }
  return found.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
};

/** The entries whose files hold the partition's rows now: compacted ones, and file entries no compacted one replaces. */
export const liveEntries = (entries: readonly NamedEntry[]): NamedEntry[] => {
  const replaced = new Set(entries.flatMap((e) => (e.kind === 'compacted' ? (e.replaces ?? []) : [])));
  return entries.filter((e) => !replaced.has(e.name));
};

/** The offset after the partition's last committed one; `undefined` when nothing was committed. */
export const nextOffsetOf = (entries: readonly ManifestEntry[]): bigint | undefined =>
  entries.reduce<bigint | undefined>((max, e) => {
    const next = BigInt(e.lastOffset) + 1n;
    return max === undefined || next > max ? next : max;
  }, undefined);

/** A committed entry whose file is neither in place nor in staging: data was lost outside the sink. */
export class LakeCorruptError extends WaggleError {
  constructor(message: string) {
    super(message, { retriable: false });
    this.name = 'LakeCorruptError';
  }
}

/**
 * Finishes what a crash interrupted in one partition: a committed entry whose file is still in staging is renamed
 * into place (roll forward), and the small files a compacted entry replaces are deleted. Idempotent; safe to run
 * from the sink and `waggle lake compact` at once.
 */
export const repairPartition = async (
  layout: LakeLayout,
  entries: readonly NamedEntry[],
): Promise<{ renamed: number; removed: number }> => {
  let renamed = 0;
  let removed = 0;
  const live = liveEntries(entries);
  for (const entry of live) {
    const target = join(layout.root, entry.file);
    if (await exists(target)) continue;
    if (await renameDurably(join(layout.root, entry.staging), target)) renamed += 1;
    else if (!(await exists(target))) {
      throw new LakeCorruptError(
        `manifest entry ${entry.topic}/${entry.partition}/${entry.name} has no file (${entry.file}) and no staged copy`,
      );
    }
  }
  const liveNames = new Set(live.map((e) => e.name));
  for (const entry of entries) {
    if (liveNames.has(entry.name)) continue;
    const target = join(layout.root, entry.file);
    if (await exists(target)) {
      await removeIfPresent(target);
      removed += 1;
    }
  }
  return { renamed, removed };
};
