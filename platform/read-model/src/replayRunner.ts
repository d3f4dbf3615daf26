import { randomUUID } from 'node:crypto';
import { isRetriable, NotFoundError, RuleViolationError, ValidationError } from '@waggle/errors';
import {
  createConsumer,
  deleteGroup,
  describeTopics,
  type Brokers,
  type ConsumedRecord,
  type Consumer,
  type ConsumerContext,
  type Logger as BusLogger,
} from '@waggle/kafka-bus';
import type { Logger } from '@waggle/observability';
import type { Db } from 'mongodb';
import { feedFromKafka } from './feedFromKafka.ts';
import { feedFromStore, type StoreSource } from './feedFromStore.ts';
import type { VerificationReport } from './mongoCompareVersions.ts';
import type { ReflectedOffset } from './mongoOffsets.ts';
import { createReadModelVersions, type ReplaySettings, type ReplaySource, type VersionRecord } from './mongoReadModelVersions.ts';
import { createProgressTracker, type PartitionProgress } from './replayProgress.ts';
import { verifyAtSameOffsets } from './switchVersions.ts';
import { createVersionGate, partitionKey, type VersionGate } from './versionGate.ts';
import { versionNames, type VersionNames } from './versionNames.ts';
import { createBufferedStorage, directStorage, type BufferedStorage, type VersionStorage } from './versionStorage.ts';

/** One version of a read model as its projection builds it: its documents under the version's names. */
export type ReadModelVersion<E, S> = {
  /** Creates what its queries need (indexes, lists built from older documents) before it consumes. */
  readonly start: () => Promise<void>;
  readonly offsets: () => Promise<ReflectedOffset[]>;
  /** The consumer's batch handler: documents first, then the offset they reflect. */
  readonly handleBatch: (records: ConsumedRecord<E>[], context: ConsumerContext) => Promise<void>;
  /** Applies events that came from an event store: documents only, no offset. */
  readonly apply: (events: E[]) => Promise<void>;
  /** Base names of its document collections (the offsets left out): compared at a switch, measured, dropped. */
  readonly collections: readonly string[];
  readonly queries: S;
};

export type ReplayRunnerOptions<E, S> = {
  readonly name: string;
  readonly logger: Logger;
  readonly busLogger: BusLogger;
  readonly brokers: Brokers;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly db: Db;
  /** Opens a version on `storage`: its documents and offsets, written through or into a rebuild's buffer. */
  readonly openVersion: (names: VersionNames, storage: VersionStorage) => ReadModelVersion<E, S>;
  readonly decode: (record: ConsumedRecord<never>) => Promise<E>;
  /** Event stores a rebuild may read history from, by context name. */
  readonly storeSources: Readonly<Record<string, StoreSource<E>>>;
  /** How long a replaced version is kept (and kept up) for a rollback. */
  readonly keepPreviousMs: number;
  readonly lagThreshold: number;
  /** Most records a rebuilding version handles per batch (a rebuild folds many events into each document). */
  readonly batchRecords: number;
  /** Records a rebuild applies in memory between two checkpoints (its documents written, then its offsets). */
  readonly flushRecords: number;
};

type Active<E, S> = {
  readonly names: VersionNames;
  readonly opened: ReadModelVersion<E, S>;
  readonly gate: VersionGate;
  /** The version's storage: written through, except while a feed catches it up in memory. */
  readonly buffered: BufferedStorage;
  consumer?: Consumer;
  feeding?: Promise<void>;
  /** Set to stop a feed at its next batch (a pause, a retirement, a lost lease). */
  halted?: boolean;
};

/** A request to rebuild: where from and what to do once caught up. */
export type ReplayRequest = { readonly source: ReplaySource } & Partial<ReplaySettings>;

const idleTickMs = 5000;
// how long an instance's claim to feed a rebuild holds without being renewed (each busy tick renews it)
const feedLeaseMs = 30_000;
// a checkpoint at least this often, and whenever this many documents are held, whatever the records
const flushEveryMs = 15_000;
const maxHeldDocuments = 100_000;

/** What consumes where: a version consumes from its topics unless it is still being fed from an event store. */
const consumes = (record: VersionRecord, servingVersion: number): boolean =>
  record.version === servingVersion || ['serving', 'previous', 'building', 'ready'].includes(record.state);

/**
 * Runs the versions of one read model in this process: a consumer group per live version (the serving one, the
 * previous one while it is kept, and a rebuild), the rebuild's progress, the switch when it has caught up, and
 * the retirement of a previous version. Every instance of a read model runs one; they agree through the versions
 * document (`createReadModelVersions`), which a tick reads every second while a replay is on, so a replay begun
 * on one instance, or before a restart, is picked up by all.
 */
export const createReplayRunner = <E, S>(options: ReplayRunnerOptions<E, S>) => {
  const { logger, db } = options;
  const versions = createReadModelVersions(db, options.groupId);
  // this instance, as a claim to feed a rebuild names it
  const owner = randomUUID();
  const active = new Map<number, Active<E, S>>();
  const tracker = createProgressTracker();
  let progress: { version: number; partitions: PartitionProgress[] } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  // a tick a second while a replay is on; otherwise one every few seconds notices a replay begun elsewhere
  let busy = false;
  let queue: Promise<unknown> = Promise.resolve();

  // one change at a time in this process: ticks, replays begun, switches and rollbacks
  const serial = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const open = async (version: number): Promise<Active<E, S>> => {
    const known = active.get(version);
    if (known !== undefined) return known;
    const names = versionNames(options.groupId, version);
    const buffered = createBufferedStorage(db, names.collection);
    const opened = options.openVersion(names, buffered.storage);
    await opened.start();
    const entry: Active<E, S> = { names, opened, gate: createVersionGate(), buffered };
    active.set(version, entry);
    return entry;
  };

  const startConsumer = async (entry: Active<E, S>): Promise<void> => {
    if (entry.consumer !== undefined) return;
    const consumer = createConsumer<E>({
      brokers: options.brokers,
      groupId: entry.names.groupId,
      clientId: `${options.name}-v${entry.names.version}`,
      topics: options.topics,
      fromBeginning: true,
      decode: options.decode,
      handleBatch: entry.gate.wrap(entry.opened.handleBatch),
      // the documents' offsets are where the version is (a fed rebuild's group never committed): begin after them
      startFrom: async () =>
        new Map((await entry.opened.offsets()).map((o) => [partitionKey(o.topic, o.partition), BigInt(o.offset) + 1n] as const)),
      // a rebuild folds many events into each document: the larger the batch, the fewer writes per event
      maxBatchRecords: options.batchRecords,
      maxBytesPerPartition: 16 * 1024 * 1024,
      logger: options.busLogger,
    });
    entry.consumer = consumer;
    await consumer.start();
  };

  const stopConsumer = async (entry: Active<E, S>): Promise<void> => {
    const consumer = entry.consumer;
    entry.consumer = undefined;
    await consumer?.stop();
  };

  const lowOffsets = async (): Promise<Map<string, bigint>> =>
    new Map(
      (await describeTopics(options.brokers, { topics: options.topics, logger: options.busLogger })).flatMap((t) =>
        t.partitions.map((p) => [partitionKey(t.topic, p.partition), BigInt(p.low)] as const),
      ),
    );

  const endOffsets = async (): Promise<Map<string, bigint>> =>
    new Map(
      (await describeTopics(options.brokers, { topics: options.topics, logger: options.busLogger })).flatMap((t) =>
        t.partitions.map((p) => [partitionKey(t.topic, p.partition), BigInt(p.high) - 1n] as const),
      ),
    );

  /** A rebuild from topics that no longer begin at their first record would miss the records retention deleted. */
  const refuseTrimmedTopics = async (): Promise<void> => {
    const trimmed = [...(await lowOffsets())].filter(([, low]) => low > 0n);
    if (trimmed.length === 0) return;
    const stores = Object.keys(options.storeSources);
    throw new ValidationError(
      `the topics no longer hold their first records (retention deleted them): ` +
        trimmed.map(([key, low]) => `${key} begins at offset ${low}`).join(', ') +
        `; a rebuild from them would miss those events. ` +
        (stores.length === 0
          ? `${options.name} has no event store to read them from.`
          : `Rebuild from the event store instead: --from-store ${stores.join(' or --from-store ')}`),
    );
  };

  /** Feeds a store-sourced rebuild from its event store, then lets it consume the topics from where they begin. */
  const feed = async (record: VersionRecord, entry: Active<E, S>): Promise<void> => {
    if (entry.feeding !== undefined || record.source.kind !== 'store') return;
    const source = options.storeSources[record.source.context];
    if (source === undefined || !(await versions.claimFeed(record.version, owner, feedLeaseMs))) return;
    entry.halted = false;
    const lanes: Record<string, number> = { ...(record.storeLanes ?? {}) };
    entry.feeding = feedFromStore({
      source,
      apply: entry.opened.apply,
      from: lanes,
      save: async (lane, seq) => {
        lanes[String(lane)] = seq;
        await versions.update(record.version, { storeLanes: { ...lanes } });
      },
      onProgress: (positions) => {
        progress = {
          version: record.version,
          partitions: tracker.fromLanes(record.source.kind === 'store' ? record.source.context : '', positions),
        };
      },
      isRunning: () => running && entry.halted !== true && active.get(record.version) === entry,
    })
      .then(async ({ finished, events }) => {
        if (!finished) return;
        logger.info(
          { version: record.version, events },
          `${options.name} v${record.version}: event store history applied; now from the topics`,
        );
        await versions.update(record.version, { storeFedAt: new Date().toISOString() });
      })
      .catch((error: unknown) =>
        logger.error(
          { err: error, version: record.version },
          `${options.name} v${record.version}: feeding from the event store failed; retried`,
        ),
      )
      .finally(() => (entry.feeding = undefined));
  };

  /**
   * Catches a rebuild up from its topics in memory (`feedFromKafka` into the version's buffer), checkpointing every
   * `flushRecords` records, then hands over to the version's consumer group, which begins where the documents' offsets say.
   * One instance feeds (a lease in the versions document, renewed by its ticks); the others wait for `kafkaFedAt`.
   * A record the feed cannot apply (not retriable) ends the feed at the last checkpoint, and the consumer, which
   * dead-letters it, goes on from there; a retriable failure is tried again from the last checkpoint.
   */
  const feedKafka = async (record: VersionRecord, entry: Active<E, S>): Promise<void> => {
    if (entry.feeding !== undefined || !(await versions.claimFeed(record.version, owner, feedLeaseMs))) return;
    entry.halted = false;
    const { version } = record;
    const isRunning = () => running && entry.halted !== true && active.get(version) === entry;
    let sinceFlush = 0;
    let flushedAt = Date.now();
    const flush = async (): Promise<void> => {
      await entry.buffered.flush();
      sinceFlush = 0;
      flushedAt = Date.now();
    };
    entry.feeding = (async () => {
      const lows = await lowOffsets();
      const from = new Map(lows);
      for (const o of await entry.opened.offsets()) from.set(partitionKey(o.topic, o.partition), BigInt(o.offset) + 1n);
      const ends = new Map([...(await endOffsets())].map(([key, last]) => [key, last + 1n] as const));
      entry.buffered.buffer();
      try {
        const fed = await feedFromKafka<E>({
          brokers: options.brokers,
          topics: options.topics,
          clientId: `${options.name}-v${version}-feed`,
          logger: options.busLogger,
          from,
          ends,
          decode: options.decode,
          groupId: entry.names.groupId,
          batchRecords: options.batchRecords,
          handleBatch: async (records, context) => {
            await entry.opened.handleBatch(records, context);
            sinceFlush += records.length;
          },
          flushDue: () =>
            sinceFlush >= options.flushRecords || Date.now() - flushedAt >= flushEveryMs || entry.buffered.stats().held >= maxHeldDocuments,
          flush,
          onProgress: (partitions) => {
            progress = {
              version,
              partitions: tracker.fromLag(
                partitions.map((p) => ({
                  topic: p.topic,
                  partition: p.partition,
                  committed: p.next.toString(),
                  high: p.high.toString(),
                  lag: Number(p.high - p.next),
                })),
                lows,
              ),
            };
          },
          isRunning,
        });
        // stopped (a pause, a stop): what it applied is kept, and the next feed goes on from there
        if (!fed.finished) return await flush();
        logger.info({ version, events: fed.events }, `${options.name} v${version}: caught up from the topics in memory; now its consumer`);
      } catch (error) {
        // what completed batches applied is worth keeping; a flush that fails too leaves the last checkpoint
        await flush().catch(() => entry.buffered.discard());
        if (isRetriable(error)) throw error;
        logger.warn(
          { err: error, version },
          `${options.name} v${version}: the feed met a record it cannot apply; the consumer takes over from the last checkpoint`,
        );
      } finally {
        entry.buffered.writeThrough();
      }
      await versions.update(version, { kafkaFedAt: new Date().toISOString() });
    })()
      .catch((error: unknown) =>
        logger.error(
          { err: error, version },
          `${options.name} v${version}: feeding from the topics failed; resumed from its last checkpoint`,
        ),
      )
      .finally(() => (entry.feeding = undefined));
  };

  /** Brings this process in line with the versions document: consumers for the live versions, none for others. */
  const reconcile = async (): Promise<{ list: VersionRecord[]; serving: number }> => {
    const [list, pointer] = await Promise.all([versions.list(), versions.pointer()]);
    for (const record of list) {
      const live = consumes(record, pointer.version);
      const entry = active.get(record.version);
      if (!live) {
        if (entry !== undefined) entry.halted = true;
        if (entry !== undefined && record.version !== pointer.version) {
          await stopConsumer(entry);
          if (record.state === 'retired') active.delete(record.version);
        }
        continue;
      }
      const opened = entry ?? (await open(record.version));
      if (record.source.kind === 'store' && record.storeFedAt === undefined) await feed(record, opened);
      else if (record.state === 'building' && record.kafkaFedAt === undefined) await feedKafka(record, opened);
      else await startConsumer(opened);
    }
    return { list, serving: pointer.version };
  };

  const switchTo = async (candidate: VersionRecord, serving: number): Promise<VerificationReport> => {
    const [from, to] = [await open(serving), await open(candidate.version)];
    const compared = (version: number, entry: Active<E, S>) => ({
      version,
      gate: entry.gate,
      offsets: entry.opened.offsets,
      collections: entry.opened.collections.map((name) => ({ name, actual: entry.names.collection(name) })),
      handled: async () =>
        new Map(
          ((await entry.consumer?.lag()) ?? [])
            .filter((l) => BigInt(l.committed) > 0n)
            .map((l) => [partitionKey(l.topic, l.partition), BigInt(l.committed) - 1n] as const),
        ),
    });
    const report = await verifyAtSameOffsets(db, compared(serving, from), compared(candidate.version, to), await endOffsets());
    if (candidate.settings.requireEqual && !report.equal) {
      await versions.transition(candidate.version, ['building', 'ready'], 'ready', {
        verification: report,
        note: 'switch refused: --require-equal and the versions differ (see the verification)',
      });
      return report;
    }
    if (!(await versions.repoint(serving, candidate.version)))
      throw new RuleViolationError(`version ${serving} no longer serves ${options.name}: someone else switched meanwhile`);
    const now = new Date();
    await versions.transition(candidate.version, ['building', 'ready'], 'serving', { verification: report, switchedAt: now.toISOString() });
    await versions.transition(serving, ['serving'], 'previous', {
      keepUntil: new Date(now.getTime() + options.keepPreviousMs).toISOString(),
    });
    logger.info(
      { from: serving, to: candidate.version, equal: report.equal },
      `${options.name} switched from v${serving} to v${candidate.version}`,
    );
    return report;
  };

  /** Moves a version to retired if it is in one of `from`, stops its consumer and drops its collections. */
  const retire = async (version: number, from: VersionRecord['state'][], why: string): Promise<boolean> => {
    if (!(await versions.transition(version, from, 'retired', { retiredAt: new Date().toISOString(), note: why }))) return false;
    const retired = active.get(version);
    if (retired !== undefined) {
      retired.halted = true;
      // a feed's last flush must not recreate the collections dropped below
      await retired.feeding;
      await stopConsumer(retired);
    }
    active.delete(version);
    const names = versionNames(options.groupId, version);
    const opened = retired?.opened ?? options.openVersion(names, directStorage(db, names.collection));
    // a collection never created is fine to miss
    for (const name of [...opened.collections, 'offsets'])
      await db
        .collection(names.collection(name))
        .drop()
        .catch(() => false);
    logger.info({ version }, `${options.name} v${version} retired (${why}): its collections dropped`);
    await deleteRetiredGroup(version);
    return true;
  };

  /**
   * Deletes a retired version's consumer group, once no instance consumes with it any more (Kafka refuses a group
   * with live members: the next ticks ask again, since each instance stops its consumer on its own next tick).
   */
  const deleteRetiredGroup = async (version: number): Promise<void> => {
    const { groupId } = versionNames(options.groupId, version);
    if (!(await deleteGroup(options.brokers, groupId, { logger: options.busLogger }))) return;
    await versions.update(version, { groupDeletedAt: new Date().toISOString() });
    logger.info({ version, groupId }, `${options.name} v${version}: consumer group ${groupId} deleted`);
  };

  const tick = async (): Promise<void> => {
    const { list, serving } = await reconcile();
    busy = list.some((v) => v.state === 'building' || v.state === 'ready' || v.state === 'previous');
    const building = list.find((v) => v.state === 'building');
    const entry = building === undefined ? undefined : active.get(building.version);
    for (const feeding of [...active.entries()].filter(([, e]) => e.feeding !== undefined && e.halted !== true))
      // another instance took the rebuild over (this one stalled past its lease): stop feeding it here
      if (!(await versions.claimFeed(feeding[0], owner, feedLeaseMs))) feeding[1].halted = true;
    if (building !== undefined && entry?.consumer !== undefined) {
      const lags = await entry.consumer.lag();
      progress = { version: building.version, partitions: tracker.fromLag(lags, await lowOffsets()) };
      const lag = lags.reduce((sum, p) => sum + p.lag, 0);
      if (lags.length > 0 && lag <= building.settings.lagThreshold) {
        const caughtUpAt = building.caughtUpAt ?? new Date().toISOString();
        if (building.settings.switch) {
          await versions.update(building.version, { caughtUpAt });
          await switchTo({ ...building, caughtUpAt }, serving);
        } else
          await versions.transition(building.version, ['building'], 'ready', {
            caughtUpAt,
            note: 'caught up; --no-switch: switch with `waggle replay switch`',
          });
      }
    } else if (building !== undefined && entry !== undefined && entry.feeding === undefined && building.kafkaFedAt === undefined) {
      // fed by another instance: its progress as far as it has written it
      const lows = await lowOffsets();
      const ends = await endOffsets();
      const written = new Map(
        (await entry.opened.offsets()).map((o) => [partitionKey(o.topic, o.partition), BigInt(o.offset) + 1n] as const),
      );
      progress = {
        version: building.version,
        partitions: tracker.fromLag(
          [...ends].map(([key, last]) => {
            const at = key.lastIndexOf(':');
            const next = written.get(key) ?? lows.get(key) ?? 0n;
            return {
              topic: key.slice(0, at),
              partition: Number(key.slice(at + 1)),
              committed: next.toString(),
              high: (last + 1n).toString(),
              lag: Number(last + 1n - next),
            };
          }),
          lows,
        ),
      };
    } else if (building === undefined) progress = undefined;
    const now = new Date().toISOString();
    for (const old of list.filter((v) => v.state === 'previous' && v.keepUntil !== undefined && v.keepUntil < now && v.version !== serving))
      await retire(old.version, ['previous'], 'kept long enough');
    for (const gone of list.filter((v) => v.state === 'retired' && v.groupDeletedAt === undefined))
      await deleteRetiredGroup(gone.version).catch((error: unknown) =>
        logger.warn(
          { err: error, version: gone.version },
          `${options.name} v${gone.version}: deleting its consumer group failed; trying again`,
        ),
      );
  };

  const schedule = (): void => {
    if (!running) return;
    timer = setTimeout(
      () => {
        void serial(tick)
          .catch((error: unknown) => logger.error({ err: error }, `${options.name}: replay tick failed; trying again`))
          .finally(schedule);
      },
      busy ? 1000 : idleTickMs,
    );
    timer.unref();
  };

  return {
    versions,
    start: async (): Promise<void> => {
      running = true;
      await versions.ensure();
      await serial(reconcile);
      schedule();
    },
    stop: async (): Promise<void> => {
      running = false;
      clearTimeout(timer);
      await serial(async () => {
        await Promise.all([...active.values()].flatMap((entry) => (entry.feeding === undefined ? [] : [entry.feeding])));
        await Promise.all([...active.values()].map(stopConsumer));
      });
    },
    /** The queries of the version the pointer names, read once per request so a request never mixes two. */
    serving: async (): Promise<S> => {
      const { version } = await versions.pointer();
      return (active.get(version) ?? (await open(version))).opened.queries;
    },
    consumers: (): { groupId: string; consumer: Consumer }[] =>
      [...active.values()].flatMap((e) => (e.consumer === undefined ? [] : [{ groupId: e.names.groupId, consumer: e.consumer }])),
    begin: (request: ReplayRequest): Promise<VersionRecord> =>
      serial(async () => {
        if (request.source.kind === 'store' && options.storeSources[request.source.context] === undefined)
          throw new ValidationError(
            `${options.name} has no event store named ${request.source.context}; it can read ${Object.keys(options.storeSources).join(', ') || 'none'}`,
          );
        if (request.source.kind === 'kafka') await refuseTrimmedTopics();
        const record = await versions.begin({
          source: request.source,
          settings: {
            switch: request.switch ?? true,
            requireEqual: request.requireEqual ?? false,
            lagThreshold: request.lagThreshold ?? options.lagThreshold,
          },
        });
        tracker.forget();
        busy = true;
        await reconcile();
        logger.info({ version: record.version, source: request.source }, `${options.name}: rebuilding as v${record.version}`);
        return record;
      }),
    pause: (): Promise<VersionRecord> =>
      serial(async () => {
        const building = (await versions.list()).find((v) => v.state === 'building');
        if (building === undefined) throw new NotFoundError(`no replay of ${options.name} is building`);
        await versions.transition(building.version, ['building'], 'paused', { note: 'paused; `waggle replay` resumes it' });
        await reconcile();
        return { ...building, state: 'paused' };
      }),
    resume: (): Promise<VersionRecord | undefined> =>
      serial(async () => {
        const paused = (await versions.list()).find((v) => v.state === 'paused');
        if (paused === undefined) return undefined;
        await versions.transition(paused.version, ['paused'], 'building', { note: 'resumed' });
        await reconcile();
        return { ...paused, state: 'building' };
      }),
    switchNow: (): Promise<VerificationReport> =>
      serial(async () => {
        const { list, serving } = await reconcile();
        const ready = list.find((v) => v.state === 'ready');
        if (ready === undefined) throw new NotFoundError(`no version of ${options.name} is caught up and waiting for a switch`);
        return switchTo({ ...ready, settings: { ...ready.settings, requireEqual: false } }, serving);
      }),
    rollback: (): Promise<{ from: number; to: number }> =>
      serial(async () => {
        const pointer = await versions.pointer();
        const previous = (await versions.list()).find((v) => v.version === pointer.previous);
        if (previous === undefined || previous.state !== 'previous')
          throw new NotFoundError(`${options.name} has no previous version to roll back to (retired, or never switched)`);
        await open(previous.version);
        if (!(await versions.repoint(pointer.version, previous.version)))
          throw new RuleViolationError(`version ${pointer.version} no longer serves ${options.name}: someone else switched meanwhile`);
        const keepUntil = new Date(Date.now() + options.keepPreviousMs).toISOString();
        await versions.transition(previous.version, ['previous'], 'serving', { switchedAt: new Date().toISOString() });
        await versions.transition(pointer.version, ['serving'], 'previous', { keepUntil });
        logger.info(
          { from: pointer.version, to: previous.version },
          `${options.name} rolled back from v${pointer.version} to v${previous.version}`,
        );
        return { from: pointer.version, to: previous.version };
      }),
    /** Drops a rebuild that is not wanted: building, paused, or caught up and waiting for its switch. */
    discard: (): Promise<VersionRecord> =>
      serial(async () => {
        const { list, serving } = await reconcile();
        const pending = list.find((v) => ['building', 'paused', 'ready'].includes(v.state) && v.version !== serving);
        if (pending === undefined || !(await retire(pending.version, ['building', 'paused', 'ready'], 'discarded')))
          throw new NotFoundError(`no replay of ${options.name} is building, paused or waiting for its switch`);
        if (progress?.version === pending.version) progress = undefined;
        return { ...pending, state: 'retired' };
      }),
    progress: () => progress,
    opened: (version: number) => active.get(version)?.opened,
  };
};

export type ReplayRunner<E, S> = ReturnType<typeof createReplayRunner<E, S>>;
