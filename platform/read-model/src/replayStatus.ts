import type { Db } from 'mongodb';
import type { ServingPointer, VersionRecord } from './mongoReadModelVersions.ts';
import type { ReflectedOffset } from './mongoOffsets.ts';
import type { PartitionProgress } from './replayProgress.ts';
import type { ReplayRunner } from './replayRunner.ts';
import { versionNames } from './versionNames.ts';

/** A collection of a version and what it holds. */
export type CollectionSize = { readonly name: string; readonly documents: number; readonly bytes: number | null };

/** A version as `waggle replay status` shows it. */
export type VersionStatus = VersionRecord & {
  readonly serving: boolean;
  readonly offsets: readonly ReflectedOffset[];
  /** Summed over its partitions; null when no consumer of it runs in the instance that answered. */
  readonly lag: number | null;
  readonly collections: readonly CollectionSize[];
};

export type ReplayStatus = {
  readonly readModel: string;
  readonly pointer: ServingPointer;
  readonly versions: readonly VersionStatus[];
  /** The rebuild under way: per partition (or per event-store lane while fed from a store). */
  readonly progress: { readonly version: number; readonly partitions: readonly PartitionProgress[] } | null;
};

const sizeOf = async (db: Db, name: string): Promise<CollectionSize> => {
  const documents = await db.collection(name).estimatedDocumentCount();
  // collStats is deprecated on MongoDB 6.2+ but still answered, and FerretDB answers it too; sizes are a hint only
  const stats = (await db.command({ collStats: name }).catch(() => undefined)) as { size?: unknown } | undefined;
  return { name, documents, bytes: typeof stats?.size === 'number' ? stats.size : null };
};

/**
 * Every version of the read model with its offsets, lag, size and whether it serves. With `brief`, the versions'
 * records and the progress only: what a client following a rebuild polls, without the reads that measure sizes
 * and lags on every call (they would compete with the rebuild for the store).
 */
export const readReplayStatus = async <E, S>(
  name: string,
  groupId: string,
  db: Db,
  runner: ReplayRunner<E, S>,
  brief = false,
): Promise<ReplayStatus> => {
  const [pointer, list] = await Promise.all([runner.versions.pointer(), runner.versions.list()]);
  if (brief)
    return {
      readModel: name,
      pointer,
      versions: list.map((record) => ({ ...record, serving: record.version === pointer.version, offsets: [], lag: null, collections: [] })),
      progress: runner.progress() ?? null,
    };
  const lags = new Map(
    await Promise.all(
      runner.consumers().map(async ({ groupId: group, consumer }) => {
        const lag = await consumer.lag().catch(() => undefined);
        return [group, lag === undefined ? null : lag.reduce((sum, p) => sum + p.lag, 0)] as const;
      }),
    ),
  );
  const versions = await Promise.all(
    list.map(async (record): Promise<VersionStatus> => {
      const names = versionNames(groupId, record.version);
      const opened = runner.opened(record.version);
      const retired = record.state === 'retired';
      return {
        ...record,
        serving: record.version === pointer.version,
        offsets: retired || opened === undefined ? [] : await opened.offsets(),
        lag: lags.get(record.groupId) ?? null,
        collections:
          retired || opened === undefined
            ? []
            : await Promise.all(opened.collections.map((collection) => sizeOf(db, names.collection(collection)))),
      };
    }),
  );
  return { readModel: name, pointer, versions, progress: runner.progress() ?? null };
};
