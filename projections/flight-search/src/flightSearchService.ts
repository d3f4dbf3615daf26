import { createLogger, type Logger } from '@waggle/observability';
import { createEventDecoder, openReadModelDatabase, startReadModelService, type RunningReadModel } from '@waggle/read-model';
import { flightsFullNames, loadSchemas, type FlightsEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import type { FlightSearchConfig } from './config.ts';
import { applyFlightEvents, createFlightProjector } from './createFlightProjector.ts';
import { createFlightSearchRoutes } from './flightSearchApi.ts';
import { flightSearchSources } from './flightSearchSources.ts';
import { createMongoFlightSearchStore, flightSearchCollections } from './mongoFlightSearchStore.ts';

export type FlightSearchService = RunningReadModel;

/** Starts flight-search: the projection consuming the flights topic from its beginning, and its REST API. */
export const startFlightSearch = (
  config: FlightSearchConfig,
  logger: Logger = createLogger({ service: 'flight-search', level: config.logLevel }),
): Promise<FlightSearchService> => {
  const database = openReadModelDatabase({ url: config.mongoUrl, dbName: config.mongoDb });
  const serde = createAvroSerde({ registryUrl: config.schemaRegistryUrl, schemas: loadSchemas() });
  return startReadModelService({
    name: 'flight-search',
    logger,
    info: { title: 'flight-search', version: '1.0.0', description: 'Flight availability, pre-aggregated from the flights events' },
    kafkaBrokers: config.kafkaBrokers,
    groupId: config.groupId,
    topics: [config.flightsTopic],
    port: config.port,
    host: config.host,
    corsOrigins: config.corsOrigins,
    database,
    openVersion: (names, storage) => {
      const store = createMongoFlightSearchStore(database.db, storage);
      return {
        start: store.start,
        offsets: store.offsets,
        handleBatch: createFlightProjector(store),
        apply: (events) =>
          applyFlightEvents(
            store,
            events.flatMap((event) => (event === null ? [] : [event])),
          ),
        collections: flightSearchCollections,
        queries: store,
      };
    },
    decode: createEventDecoder<FlightsEvent>(serde, flightsFullNames),
    routes: createFlightSearchRoutes,
    storeSources: flightSearchSources(config),
    replay: config.replay,
  });
};
