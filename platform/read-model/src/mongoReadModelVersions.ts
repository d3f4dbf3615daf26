import { RuleViolationError } from '@waggle/errors';
import type { Db } from 'mongodb';
import { isDuplicateKey } from './isDuplicateKey.ts';
import type { VerificationReport } from './mongoCompareVersions.ts';
import { versionNames } from './versionNames.ts';

/**
 * building: consuming its topics from their beginning; paused: stopped by its operator (Ctrl-C), offsets kept;
 * ready: caught up and waiting for a switch (`--no-switch`, or a switch refused by `--require-equal`);
 * serving: answers the API; previous: served before the last switch, kept up for a rollback until `keepUntil`;
 * retired: its collections dropped.
 */
export type VersionState = 'building' | 'paused' | 'ready' | 'serving' | 'previous' | 'retired';

/** Where a rebuild reads history from: the topics, or (when they no longer hold it) a context's event store. */
export type ReplaySource = { readonly kind: 'kafka' } | { readonly kind: 'store'; readonly context: string };

export type ReplaySettings = {
  /** Switch once caught up (false: `--no-switch`). */
  readonly switch: boolean;
  /** Refuse the switch unless the verification finds both versions equal. */
  readonly requireEqual: boolean;
  /** Caught up when the group's lag, summed over its partitions, is at most this. */
  readonly lagThreshold: number;
};

export type VersionRecord = {
  readonly version: number;
  readonly state: VersionState;
  readonly groupId: string;
  readonly source: ReplaySource;
  readonly settings: ReplaySettings;
  readonly createdAt: string;
  /** A store-fed rebuild: when the event store's history went in; Kafka then brings what came after. */
  readonly storeFedAt?: string;
  /** A store-fed rebuild: the outbox seq fed so far per lane, so a restart resumes there. */
  readonly storeLanes?: Readonly<Record<string, number>>;
  /** When the rebuild had caught up from its topics in memory and its consumer group took over. */
  readonly kafkaFedAt?: string;
  /** The instance feeding the rebuild, and until when its claim holds unless renewed. */
  readonly feeder?: { readonly owner: string; readonly until: number };
  readonly caughtUpAt?: string;
  readonly switchedAt?: string;
  /** A previous version is retired (its collections dropped) after this. */
  readonly keepUntil?: string;
  readonly retiredAt?: string;
  /** When a retired version's consumer group (and its offsets) was deleted from Kafka. */
  readonly groupDeletedAt?: string;
  readonly verification?: VerificationReport;
  /** Why it stopped where it is (a refused switch, a failed verification), for `waggle replay status`. */
  readonly note?: string;
};

/** The pointer the API follows: which version answers, and the one it replaced (a rollback's target). */
export type ServingPointer = { readonly version: number; readonly previous: number | null; readonly switchedAt: string | null };

type VersionDoc = VersionRecord & { _id: string };
type PointerDoc = ServingPointer & { _id: 'serving' };

const idOf = (version: number): string => `v${version}`;
/** States a replay occupies: a second replay is refused while one of them exists. */
const inProgress: readonly VersionState[] = ['building', 'paused', 'ready'];

const without = ({ _id, ...rest }: VersionDoc): VersionRecord => rest;

/**
 * The versions of one read model and its serving pointer, in collection `read_model_versions` of its database.
 * Every transition is one conditional update of one document, so two instances (or two operators) racing for
 * it are told apart without transactions: the pointer document alone decides which version serves.
 */
export const createReadModelVersions = (db: Db, groupId: string) => {
  const collection = db.collection<VersionDoc | PointerDoc>('read_model_versions');
  const docs = db.collection<VersionDoc>('read_model_versions');
  const pointer = db.collection<PointerDoc>('read_model_versions');

  const insertOnce = async (doc: VersionDoc | PointerDoc): Promise<void> => {
    try {
      await collection.updateOne({ _id: doc._id }, { $setOnInsert: doc }, { upsert: true });
    } catch (error) {
      // two instances starting at once: the other one wrote it
      if (!isDuplicateKey(error)) throw error;
    }
  };

  return {
    /** A read model that was never versioned serves version 1: its collections and group as configured. */
    ensure: async (): Promise<void> => {
      await insertOnce({ _id: 'serving', version: 1, previous: null, switchedAt: null });
      await insertOnce({
        _id: idOf(1),
        version: 1,
        state: 'serving',
        groupId,
        source: { kind: 'kafka' },
        settings: { switch: true, requireEqual: false, lagThreshold: 0 },
        createdAt: new Date().toISOString(),
      });
    },
    pointer: async (): Promise<ServingPointer> => {
      const doc = await pointer.findOne({ _id: 'serving' });
      return doc === null
        ? { version: 1, previous: null, switchedAt: null }
        : { version: doc.version, previous: doc.previous, switchedAt: doc.switchedAt };
    },
    list: async (): Promise<VersionRecord[]> =>
      (await docs.find({ _id: { $ne: 'serving' } }).toArray()).map(without).sort((a, b) => a.version - b.version),
    /** Starts a new version; refused while another replay is building, paused or waiting for its switch. */
    begin: async (record: Pick<VersionRecord, 'source' | 'settings'>): Promise<VersionRecord> => {
      const all = (await docs.find({ _id: { $ne: 'serving' } }).toArray()).map(without);
      const busy = all.find((v) => inProgress.includes(v.state));
      if (busy !== undefined)
        throw new RuleViolationError(
          `a replay is already ${busy.state} as version ${busy.version} (started ${busy.createdAt}); ` +
            (busy.state === 'paused'
              ? 'resume it with `waggle replay` again'
              : busy.state === 'ready'
                ? 'it waits for `waggle replay switch`'
                : 'wait for it, or see `waggle replay status`'),
        );
      const version = Math.max(0, ...all.map((v) => v.version)) + 1;
      const doc: VersionDoc = {
        _id: idOf(version),
        ...record,
        version,
        groupId: versionNames(groupId, version).groupId,
        state: 'building',
        createdAt: new Date().toISOString(),
      };
      try {
        await docs.insertOne(doc);
      } catch (error) {
        if (isDuplicateKey(error)) throw new RuleViolationError(`another replay began version ${version} at the same moment`);
        throw error;
      }
      return without(doc);
    },
    /** Moves a version from one of `from` to `state` with `changes`; false when it was not in one of them. */
    transition: async (
      version: number,
      from: readonly VersionState[],
      state: VersionState,
      changes: Partial<Omit<VersionRecord, 'version' | 'state'>> = {},
    ): Promise<boolean> => {
      const result = await docs.updateOne({ _id: idOf(version), state: { $in: [...from] } }, { $set: { ...changes, state } });
      return result.matchedCount === 1;
    },
    /** Records progress on a version without changing its state. */
    update: async (version: number, changes: Partial<Omit<VersionRecord, 'version' | 'state'>>): Promise<void> => {
      await docs.updateOne({ _id: idOf(version) }, { $set: changes });
    },
    /**
     * Claims (or renews) the feeding of a rebuild for `owner` for `ms`: true unless another instance holds a claim
     * that has not run out. One conditional update, so two instances asking at once are told apart.
     */
    claimFeed: async (version: number, owner: string, ms: number): Promise<boolean> => {
      const now = Date.now();
      const result = await docs.updateOne(
        { _id: idOf(version), $or: [{ feeder: { $exists: false } }, { 'feeder.owner': owner }, { 'feeder.until': { $lt: now } }] },
        { $set: { feeder: { owner, until: now + ms } } },
      );
      return result.matchedCount === 1;
    },
    /** Points the API at `to` if it still points at `from`: the atomic switch (and rollback). */
    repoint: async (from: number, to: number): Promise<boolean> => {
      const result = await pointer.updateOne(
        { _id: 'serving', version: from },
        { $set: { version: to, previous: from, switchedAt: new Date().toISOString() } },
      );
      return result.matchedCount === 1;
    },
  };
};

export type ReadModelVersions = ReturnType<typeof createReadModelVersions>;
