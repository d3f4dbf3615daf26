import { createLogger, type Logger } from '@waggle/observability';
import { createEventDecoder, startReadModelService, type RunningReadModel } from '@waggle/read-model';
import { flightsFullNames, loadSchemas, type FlightsEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import type { FlightSearchConfig } from './config.ts';
import { createFlightProjector } from './createFlightProjector.ts';
import { createFlightSearchRoutes } from './flightSearchApi.ts';
import { createMongoFlightSearchStore } from './mongoFlightSearchStore.ts';

export type FlightSearchService = RunningReadModel;

/** Starts flight-search: the projection consuming the flights topic from its beginning, and its REST API. */
export const startFlightSearch = (
  config: FlightSearchConfig,
  logger: Logger = createLogger({ service: 'flight-search', level: config.logLevel }),
): Promise<FlightSearchService> => {
  const store = createMongoFlightSearchStore({ url: config.mongoUrl, dbName: config.mongoDb });
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
    store,
    decode: createEventDecoder<FlightsEvent>(serde, flightsFullNames),
    handleBatch: createFlightProjector(store),
    routes: createFlightSearchRoutes(store),
  });
};
