import { TransientError } from '@waggle/errors';
import { createHttpApp, startHttpServer, consumerStatus, statusRoute, type Route } from '@waggle/http';
import { createTopics, describeTopics, type Brokers, type ConsumedRecord } from '@waggle/kafka-bus';
import { toMessageFirstLogger, type Logger } from '@waggle/observability';
import type { StoreSource } from './feedFromStore.ts';
import type { ReadModelDatabase } from './mongoReadModelDatabase.ts';
import { findOffsetsBeyondEnd, offsetsBeyondEndError } from './offsetsBeyondEnd.ts';
import { replayRoutes } from './replayRoutes.ts';
import { createReplayRunner, type ReadModelVersion } from './replayRunner.ts';
import { readReplayStatus } from './replayStatus.ts';
import { versionNames, type VersionNames } from './versionNames.ts';
import { directStorage, type VersionStorage } from './versionStorage.ts';

export type ReadModelServiceOptions<E, S> = {
  readonly name: string;
  readonly logger: Logger;
  readonly info: { title: string; version: string; description?: string };
  readonly kafkaBrokers: Brokers;
  /** The consumer group of version 1; a rebuild N consumes as `<groupId>.vN`. */
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly port: number;
  /** The interface the REST API listens on (default 127.0.0.1). */
  readonly host?: string;
  readonly corsOrigins?: readonly string[];
  readonly database: ReadModelDatabase;
  /** One version of the read model: its documents, offsets and queries under the version's names. */
  readonly openVersion: (names: VersionNames, storage: VersionStorage) => ReadModelVersion<E, S>;
  readonly decode: (record: ConsumedRecord<never>) => Promise<E>;
  /** The query API; `serving()` gives the queries of the serving version, to be taken once per request. */
  readonly routes: (serving: () => Promise<S>) => readonly Route[];
  /** Event stores a rebuild may read history from (`--from-store <context>`), by context name. */
  readonly storeSources?: Readonly<Record<string, StoreSource<E>>>;
  readonly replay?: {
    /** How long a replaced version is kept (and kept up) for a rollback (default 24 h). */
    readonly keepPreviousMs?: number;
    /** A rebuild has caught up at this lag or less, summed over its partitions (default 500); the switch then holds both versions at the same offsets. */
    readonly lagThreshold?: number;
    /** Most records a version handles per batch when it catches up (default 20,000): the fewer batches, the fewer writes per event. */
    readonly batchRecords?: number;
    /** Records a rebuild applies in memory between two checkpoints (default 250,000). */
    readonly flushRecords?: number;
  };
  /** Partitions of the topics when this service is the first to need them. */
  readonly partitions?: number;
};

export type RunningReadModel = { readonly url: string; readonly port: number; readonly stop: () => Promise<void> };

/**
 * Starts a read model: its database, a consumer group per live version reading its topics from their beginning
 * (a new group builds the model from the first event on), and its read-only REST API with the replay API beside
 * it, ready when its database answers. Each request reads the serving pointer once and is answered by that
 * version alone, so a switch takes effect between one request and the next. It refuses to start when its serving
 * version reflects offsets its topics do not have (they were recreated): it would skip every new record up to them.
 */
export const startReadModelService = async <E, S>(options: ReadModelServiceOptions<E, S>): Promise<RunningReadModel> => {
  const { logger, database } = options;
  const busLogger = toMessageFirstLogger(logger);
  const runner = createReplayRunner<E, S>({
    name: options.name,
    logger,
    busLogger,
    brokers: options.kafkaBrokers,
    groupId: options.groupId,
    topics: options.topics,
    db: database.db,
    openVersion: options.openVersion,
    decode: options.decode,
    storeSources: options.storeSources ?? {},
    keepPreviousMs: options.replay?.keepPreviousMs ?? 24 * 3600_000,
    lagThreshold: options.replay?.lagThreshold ?? 500,
    batchRecords: options.replay?.batchRecords ?? 20_000,
    flushRecords: options.replay?.flushRecords ?? 250_000,
  });
  const app = createHttpApp({
    logger,
    info: options.info,
    routes: [
      ...options.routes(runner.serving),
      ...replayRoutes(runner, (brief) => readReplayStatus(options.name, options.groupId, database.db, runner, brief)),
      statusRoute(async () => ({
        service: options.name,
        consumers: await Promise.all(runner.consumers().map(({ groupId, consumer }) => consumerStatus(groupId, consumer))),
      })),
    ],
    ready: async () => {
      for (const { groupId, consumer } of runner.consumers()) {
        const { state, error } = consumer.status();
        // a crashed member consumes nothing while the API keeps answering from a model that no longer moves
        if (state === 'crashed') throw new TransientError(`consumer group ${groupId} crashed and consumes nothing: ${error ?? ''}`);
      }
      await database.ping();
    },
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
  });

  await database.start();
  try {
    await createTopics(
      options.kafkaBrokers,
      options.topics.map((topic) => ({ topic, partitions: options.partitions ?? 3 })),
      { clientId: options.name, logger: busLogger },
    );
    await runner.versions.ensure();
    const serving = await runner.versions.pointer();
    const names = versionNames(options.groupId, serving.version);
    const opened = options.openVersion(names, directStorage(database.db, names.collection));
    const beyond = findOffsetsBeyondEnd(
      await opened.offsets(),
      await describeTopics(options.kafkaBrokers, { topics: options.topics, clientId: options.name, logger: busLogger }),
      options.topics,
    );
    if (beyond.length > 0) throw offsetsBeyondEndError(options.name, beyond);
    await runner.start();
  } catch (error) {
    await runner.stop().catch(() => undefined);
    await database.stop();
    throw error;
  }
  const server = await startHttpServer(app, { port: options.port, ...(options.host === undefined ? {} : { host: options.host }) });
  logger.info({ url: server.url, topics: options.topics, groupId: options.groupId }, `${options.name} listening on ${server.url}`);
  return {
    url: server.url,
    port: server.port,
    stop: async () => {
      await server.stop();
      await runner.stop();
      await database.stop();
    },
  };
};
