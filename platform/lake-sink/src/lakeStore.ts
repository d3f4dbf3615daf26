/** An object of a lake, by its key (a `/`-separated path relative to the lake's root). */
export type StoredObject = { readonly key: string; readonly size: number; readonly modifiedMs: number };

/**
 * Where a lake's files live: a local folder or an S3 bucket prefix. Keys are relative to the lake's root and use
 * `/`. Every write is durable when its promise resolves (fsync locally, a 200 from S3), and no write can make a
 * partial object visible: the sink's exactly-once protocol rests on `createExclusive` and `move` alone.
 */
export type LakeStore = {
  /** What a person reads: the folder, or `s3://bucket/prefix`. */
  readonly url: string;
  /** Stores a new object made as a local file: `write` fills the path it is given; resolves with the object's size. */
  readonly putFile: (key: string, write: (localPath: string) => Promise<void>) => Promise<number>;
  /** Creates `key` holding `text` only if nothing has that name (local: a hard link; S3: `If-None-Match: *`); false when it existed. */
  readonly createExclusive: (key: string, text: string) => Promise<boolean>;
  /** The text of an object; undefined when there is none. `immutable`: it never changes, so a cached copy may answer (S3). */
  readonly readText: (key: string, options?: { readonly immutable?: boolean }) => Promise<string | undefined>;
  /** Every object whose key starts with `prefix` (a folder's, ending in `/`, or part of a name), at any depth, sorted by key. */
  readonly list: (prefix: string) => Promise<StoredObject[]>;
  readonly exists: (key: string) => Promise<boolean>;
  /** Moves a complete object to `to` (local: rename; S3: copy, then delete); false when `from` is gone. */
  readonly move: (from: string, to: string) => Promise<boolean>;
  /** Deletes an object; one already gone is fine. */
  readonly remove: (key: string) => Promise<void>;
  /** A local file holding the object's bytes, for DuckDB: the file itself, or a verified download in the cache. */
  readonly localPath: (key: string, expectedSize?: number) => Promise<string>;
  /** Deletes cached downloads of data files not in `keep` (compacted away), so the cache holds the live lake only. */
  readonly pruneCache: (keep: ReadonlySet<string>) => Promise<number>;
  readonly close: () => void;
};

/** The key under which a partition's manifest entries live: one per committed file. */
export const isManifestEntryKey = (key: string): boolean => key.endsWith('.json') && !key.includes('.tmp-');
