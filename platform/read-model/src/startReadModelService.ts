import { TransientError } from '@waggle/errors';
import { createHttpApp, startHttpServer, consumerStatus, statusRoute, type Route } from '@waggle/http';
import { createConsumer, createTopics, describeTopics, type Brokers, type ConsumedRecord, type ConsumerContext } from '@waggle/kafka-bus';
import { toMessageFirstLogger, type Logger } from '@waggle/observability';
import type { ReflectedOffset } from './mongoOffsets.ts';
import { findOffsetsBeyondEnd, offsetsBeyondEndError } from './offsetsBeyondEnd.ts';

/** The lifecycle a read model's database adapter offers, and the offsets its documents reflect. */
export type ReadModelStore = {
  start(): Promise<void>;
  stop(): Promise<void>;
  ping(): Promise<void>;
  offsets(): Promise<ReflectedOffset[]>;
};

export type ReadModelServiceOptions<E> = {
  readonly name: string;
  readonly logger: Logger;
  readonly info: { title: string; version: string; description?: string };
  readonly kafkaBrokers: Brokers;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly port: number;
  /** The interface the REST API listens on (default 127.0.0.1). */
  readonly host?: string;
  readonly corsOrigins?: readonly string[];
  readonly store: ReadModelStore;
  readonly decode: (record: ConsumedRecord<never>) => Promise<E>;
  /** Applies one partition's batch: documents first, then the offsets they reflect. */
  readonly handleBatch: (records: ConsumedRecord<E>[], context: ConsumerContext) => Promise<void>;
  readonly routes: readonly Route[];
  /** Partitions of the topics when this service is the first to need them. */
  readonly partitions?: number;
};

export type RunningReadModel = { readonly url: string; readonly port: number; readonly stop: () => Promise<void> };

/**
 * Starts a read model: its database, a consumer group reading its topics from their beginning (a new group
 * builds the model from the first event on) and its read-only REST API, ready when its database answers. It
 * refuses to start when its database reflects offsets its topics do not have (they were recreated): it would
 * skip every new record up to them.
 */
export const startReadModelService = async <E>(options: ReadModelServiceOptions<E>): Promise<RunningReadModel> => {
  const { logger, store } = options;
  const busLogger = toMessageFirstLogger(logger);
  const consumer = createConsumer<E>({
    brokers: options.kafkaBrokers,
    groupId: options.groupId,
    clientId: options.name,
    topics: options.topics,
    fromBeginning: true,
    decode: options.decode,
    handleBatch: options.handleBatch,
    logger: busLogger,
  });
  const app = createHttpApp({
    logger,
    info: options.info,
    routes: [
      ...options.routes,
      statusRoute(async () => ({ service: options.name, consumers: [await consumerStatus(options.groupId, consumer)] })),
    ],
    ready: async () => {
      const { state, error } = consumer.status();
      // a crashed member consumes nothing while the API keeps answering from a model that no longer moves
      if (state === 'crashed') throw new TransientError(`consumer group ${options.groupId} crashed and consumes nothing: ${error ?? ''}`);
      await store.ping().catch((error: unknown) => {
        throw new TransientError('the read model database does not answer', { cause: error });
      });
    },
    ...(options.corsOrigins === undefined ? {} : { corsOrigins: options.corsOrigins }),
  });

  await store.start();
  try {
    await createTopics(
      options.kafkaBrokers,
      options.topics.map((topic) => ({ topic, partitions: options.partitions ?? 3 })),
      { clientId: options.name, logger: busLogger },
    );
    const beyond = findOffsetsBeyondEnd(
      await store.offsets(),
      await describeTopics(options.kafkaBrokers, { topics: options.topics, clientId: options.name, logger: busLogger }),
      options.topics,
    );
    if (beyond.length > 0) throw offsetsBeyondEndError(options.name, beyond);
  } catch (error) {
    await store.stop();
    throw error;
  }
  await consumer.start();
  const server = await startHttpServer(app, { port: options.port, ...(options.host === undefined ? {} : { host: options.host }) });
  logger.info({ url: server.url, topics: options.topics, groupId: options.groupId }, `${options.name} listening on ${server.url}`);
  return {
    url: server.url,
    port: server.port,
    stop: async () => {
      await server.stop();
      await consumer.stop();
      await store.stop();
    },
  };
};
