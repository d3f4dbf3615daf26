import { TransientError } from '@waggle/errors';
import { createHttpApp, startHttpServer } from '@waggle/http';
import { createConsumer, createTopics, type Logger as BusLogger } from '@waggle/kafka-bus';
import { createLogger, type Logger } from '@waggle/observability';
import { flightsFullNames, loadSchemas, type FlightsEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import type { FlightSearchConfig } from './config.ts';
import { createEventDecoder } from '@waggle/read-model';
import { createFlightProjector } from './createFlightProjector.ts';
import { createFlightSearchRoutes } from './flightSearchApi.ts';
import { createMongoFlightSearchStore } from './mongoFlightSearchStore.ts';
import type { ProjectedEvent } from '@waggle/read-model';

export type FlightSearchService = { readonly url: string; readonly port: number; readonly stop: () => Promise<void> };

// the topics' partition count when this service is the first to need them
const partitions = 3;

const toBusLogger = (logger: Logger): BusLogger => ({
  info: (message, fields) => logger.info(fields ?? {}, message),
  warn: (message, fields) => logger.warn(fields ?? {}, message),
  error: (message, fields) => logger.error(fields ?? {}, message),
});

/** Starts flight-search: the projection consuming the flights topic from its beginning, and its REST API. */
export const startFlightSearch = async (
  config: FlightSearchConfig,
  logger: Logger = createLogger({ service: 'flight-search', level: config.logLevel }),
): Promise<FlightSearchService> => {
  const busLogger = toBusLogger(logger);
  const store = createMongoFlightSearchStore({ url: config.mongoUrl, dbName: config.mongoDb });
  const serde = createAvroSerde({ registryUrl: config.schemaRegistryUrl, schemas: loadSchemas() });
  const consumer = createConsumer<ProjectedEvent<FlightsEvent> | null>({
    brokers: config.kafkaBrokers,
    groupId: config.groupId,
    clientId: 'flight-search',
    topics: [config.flightsTopic],
    // a new group builds the read model from the first event on
    fromBeginning: true,
    decode: createEventDecoder<FlightsEvent>(serde, flightsFullNames),
    handleBatch: createFlightProjector(store),
    logger: busLogger,
  });
  const app = createHttpApp({
    logger,
    info: { title: 'flight-search', version: '1.0.0', description: 'Flight availability, pre-aggregated from the flights events' },
    routes: createFlightSearchRoutes(store),
    ready: async () => {
      await store.ping().catch((error: unknown) => {
        throw new TransientError('the read model database does not answer', { cause: error });
      });
    },
    corsOrigins: config.corsOrigins,
  });

  await store.start();
  await createTopics(config.kafkaBrokers, [{ topic: config.flightsTopic, partitions }], { clientId: 'flight-search', logger: busLogger });
  await consumer.start();
  const server = await startHttpServer(app, { port: config.port });
  logger.info({ url: server.url, topic: config.flightsTopic, groupId: config.groupId, db: config.mongoDb }, 'flight-search started');
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
