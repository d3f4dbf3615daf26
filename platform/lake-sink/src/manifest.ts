import { lakeLayout, padOffset } from './lakeLayout.ts';
import { isManifestEntryKey, type LakeStore } from './lakeStore.ts';

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
export const commitEntry = (store: LakeStore, entry: ManifestEntry): Promise<boolean> =>
  store.createExclusive(
    `${lakeLayout.partitionManifest(entry.topic, entry.partition)}${entryName(entry)}`,
    `${JSON.stringify(entry, null, 1)}\n`,
  );

// entries never change once written: a process reads each one once (an S3 lake is then listed, not fetched again)
const entryTexts = new WeakMap<LakeStore, Map<string, string>>();

const readEntry = async (store: LakeStore, key: string): Promise<string | undefined> => {
  let cache = entryTexts.get(store);
  if (cache === undefined) entryTexts.set(store, (cache = new Map<string, string>()));
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const text = await store.readText(key, { immutable: true });
  if (text !== undefined && cache.size < 100_000) cache.set(key, text);
  return text;
};

/** Runs `work` over `items`, at most `limit` at a time, keeping their order. */
export const mapLimited = async <T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> => {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next;
      next += 1;
      results[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
};

const byOffset = (a: NamedEntry, b: NamedEntry): number => {
  const byFirst = BigInt(a.firstOffset) - BigInt(b.firstOffset);
  if (byFirst !== 0n) return byFirst < 0n ? -1 : 1;
  return a.kind === b.kind ? 0 : a.kind === 'file' ? -1 : 1;
};

/** The entries behind `keys` (each `<prefix><name>`), in offset order. */
const readEntries = async (store: LakeStore, prefix: string, keys: readonly string[]): Promise<NamedEntry[]> => {
  const texts = await mapLimited(keys, 16, (key) => readEntry(store, key));
  const entries = keys.flatMap((key, i) => {
    const text = texts[i];
    // deleted between the listing and the read: nothing deletes entries, but a hand-cleaned lake may
    return text === undefined ? [] : [{ ...(JSON.parse(text) as ManifestEntry), name: key.slice(prefix.length) }];
  });
  return entries.sort(byOffset);
};

/** Every entry of one partition, in offset order (compacted entries after the file entries they replace). */
export const readPartitionManifest = async (store: LakeStore, topic: string, partition: number): Promise<NamedEntry[]> => {
  const prefix = lakeLayout.partitionManifest(topic, partition);
  const keys = (await store.list(prefix))
    .map((o) => o.key)
    .filter((key) => isManifestEntryKey(key) && !key.slice(prefix.length).includes('/'));
  return readEntries(store, prefix, keys);
};

const partitionKey = /^_manifest\/topic=([^/]+)\/p(\d+)\/[^/]+$/;

/** Every partition's entries, from one listing of the whole manifest (what `query` and `verify` read). */
export const readWholeManifest = async (store: LakeStore): Promise<{ topic: string; partition: number; entries: NamedEntry[] }[]> => {
  const keysOf = new Map<string, { topic: string; partition: number; keys: string[] }>();
  for (const { key } of await store.list(lakeLayout.manifestPrefix)) {
    const parsed = partitionKey.exec(key);
    if (parsed === null || !isManifestEntryKey(key)) continue;
    const id = `${parsed[1]}/${parsed[2]}`;
    let found = keysOf.get(id);
    if (found === undefined) keysOf.set(id, (found = { topic: parsed[1] ?? '', partition: Number(parsed[2]), keys: [] }));
    found.keys.push(key);
  }
  const partitions = [...keysOf.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  const result: { topic: string; partition: number; entries: NamedEntry[] }[] = [];
  for (const { topic, partition, keys } of partitions) {
    result.push({ topic, partition, entries: await readEntries(store, lakeLayout.partitionManifest(topic, partition), keys) });
  }
  return result;
};

/** The topics and partitions a lake has manifests for. */
export const listManifestPartitions = async (store: LakeStore): Promise<{ topic: string; partition: number }[]> => {
  const found = new Map<string, { topic: string; partition: number }>();
  for (const { key } of await store.list(lakeLayout.manifestPrefix)) {
    const parsed = partitionKey.exec(key);
    if (parsed !== null) found.set(`${parsed[1]}/${parsed[2]}`, { topic: parsed[1] ?? '', partition: Number(parsed[2]) });
  }
  return [...found.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
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

/**
 * Finishes what a crash interrupted in one partition: a committed entry whose file is still in staging is moved
 * into place (roll forward), and the small files a compacted entry replaces are deleted. Costs a listing of the
 * partition's staged files and of the days it compacted, not a request per entry, so it stays cheap on S3 however
 * long the manifest grows. Idempotent; safe to run from the sink and `waggle lake compact` at once.
 */
export const repairPartition = async (store: LakeStore, entries: readonly NamedEntry[]): Promise<{ renamed: number; removed: number }> => {
  const first = entries[0];
  if (first === undefined) return { renamed: 0, removed: 0 };
  const { topic, partition } = first;
  let renamed = 0;
  let removed = 0;
  const live = liveEntries(entries);
  const staged = new Set((await store.list(lakeLayout.stagedPrefix(topic, partition))).map((o) => o.key));
  for (const entry of live) {
    if (staged.has(entry.staging) && (await store.move(entry.staging, entry.file))) renamed += 1;
  }
  const liveNames = new Set(live.map((e) => e.name));
  const replaced = entries.filter((e) => !liveNames.has(e.name));
  const present = new Set<string>();
  for (const date of new Set(replaced.map((e) => e.date))) {
    for (const o of await store.list(lakeLayout.partitionDayPrefix(topic, date, partition))) present.add(o.key);
  }
  for (const entry of replaced) {
    if (!present.has(entry.file)) continue;
    await store.remove(entry.file);
    removed += 1;
  }
  return { renamed, removed };
};
