import type { ConsumedRecord } from '@waggle/kafka-bus';
import { createLogger, type Logger } from '@waggle/observability';
import { createEventDecoder, openReadModelDatabase, startReadModelService, type RunningReadModel } from '@waggle/read-model';
import {
  bookingsFullNames,
  flightsFullNames,
  loadSchemas,
  paymentsFullNames,
  type BookingsEvent,
  type FlightsEvent,
  type PaymentsEvent,
} from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import type { RouteRevenueConfig } from './config.ts';
import { applyRouteRevenueEvents, createRouteRevenueProjector, type IncomingEvent } from './createRouteRevenueProjector.ts';
import { createMongoRouteRevenueStore, routeRevenueCollections } from './mongoRouteRevenueStore.ts';
import { createRouteRevenueRoutes } from './routeRevenueApi.ts';
import { routeRevenueSources } from './routeRevenueSources.ts';

export type RouteRevenueService = RunningReadModel;

/** Starts route-revenue-daily: the projection consuming the flights, bookings and payments topics from their beginning, and its REST API. */
export const startRouteRevenue = (
  config: RouteRevenueConfig,
  logger: Logger = createLogger({ service: 'route-revenue-daily', level: config.logLevel }),
): Promise<RouteRevenueService> => {
  const database = openReadModelDatabase({ url: config.mongoUrl, dbName: config.mongoDb });
  const serde = createAvroSerde({ registryUrl: config.schemaRegistryUrl, schemas: loadSchemas() });
  const decodeFlight = createEventDecoder<FlightsEvent>(serde, flightsFullNames);
  const decodeBooking = createEventDecoder<BookingsEvent>(serde, bookingsFullNames);
  const decodePayment = createEventDecoder<PaymentsEvent>(serde, paymentsFullNames);
  // by topic, not by event type: a topic's records write only their own kind of facts
  const decode = async (record: ConsumedRecord<never>): Promise<IncomingEvent | null> => {
    if (record.topic === config.bookingsTopic) {
      const projected = await decodeBooking(record);
      return projected === null ? null : { from: 'bookings', projected };
    }
    if (record.topic === config.paymentsTopic) {
      const projected = await decodePayment(record);
      return projected === null ? null : { from: 'payments', projected };
    }
    const projected = await decodeFlight(record);
    return projected === null ? null : { from: 'flights', projected };
  };
  return startReadModelService({
    name: 'route-revenue-daily',
    logger,
    info: {
      title: 'route-revenue-daily',
      version: '1.0.0',
      description:
        'Bookings, seats, cancellations and revenue per route and day, pre-aggregated from the flights, bookings and payments events',
    },
    kafkaBrokers: config.kafkaBrokers,
    groupId: config.groupId,
    topics: [config.flightsTopic, config.bookingsTopic, config.paymentsTopic],
    port: config.port,
    host: config.host,
    corsOrigins: config.corsOrigins,
    database,
    openVersion: (names, storage) => {
      const store = createMongoRouteRevenueStore(database.db, storage);
      return {
        start: () => Promise.resolve(),
        offsets: store.offsets,
        handleBatch: createRouteRevenueProjector(store),
        apply: (events) =>
          applyRouteRevenueEvents(
            store,
            events.flatMap((event) => (event === null ? [] : [event])),
          ),
        collections: routeRevenueCollections,
        queries: store,
      };
    },
    decode,
    routes: createRouteRevenueRoutes,
    storeSources: routeRevenueSources(config),
    replay: config.replay,
  });
};
