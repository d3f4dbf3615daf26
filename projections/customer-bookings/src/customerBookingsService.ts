import type { ConsumedRecord } from '@waggle/kafka-bus';
import { createLogger, type Logger } from '@waggle/observability';
import { createEventDecoder, openReadModelDatabase, startReadModelService, type RunningReadModel } from '@waggle/read-model';
import {
  bookingsFullNames,
  checkinFullNames,
  flightsFullNames,
  loadSchemas,
  paymentsFullNames,
  type BookingsEvent,
  type CheckinEvent,
  type FlightsEvent,
  type PaymentsEvent,
} from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import type { CustomerBookingsConfig } from './config.ts';
import { applyCustomerBookingsEvents, createCustomerBookingsProjector, type IncomingEvent } from './createCustomerBookingsProjector.ts';
import { createCustomerBookingsRoutes } from './customerBookingsApi.ts';
import { customerBookingsSources } from './customerBookingsSources.ts';
import { createMongoCustomerBookingsStore, customerBookingsCollections } from './mongoCustomerBookingsStore.ts';

export type CustomerBookingsService = RunningReadModel;

/** Starts customer-bookings: the projection consuming the bookings, flights, payments and check-in topics from their beginning, and its REST API. */
export const startCustomerBookings = (
  config: CustomerBookingsConfig,
  logger: Logger = createLogger({ service: 'customer-bookings', level: config.logLevel }),
): Promise<CustomerBookingsService> => {
  const database = openReadModelDatabase({ url: config.mongoUrl, dbName: config.mongoDb });
  const serde = createAvroSerde({ registryUrl: config.schemaRegistryUrl, schemas: loadSchemas() });
  const decodeBooking = createEventDecoder<BookingsEvent>(serde, bookingsFullNames);
  const decodeFlight = createEventDecoder<FlightsEvent>(serde, flightsFullNames);
  const decodePayment = createEventDecoder<PaymentsEvent>(serde, paymentsFullNames);
  const decodeCheckIn = createEventDecoder<CheckinEvent>(serde, checkinFullNames);
  // by topic, not by event type: a topic's handler writes only its own kind of document
  const decode = async (record: ConsumedRecord<never>): Promise<IncomingEvent | null> => {
    if (record.topic === config.bookingsTopic) {
      const projected = await decodeBooking(record);
      return projected === null ? null : { from: 'bookings', projected };
    }
    if (record.topic === config.paymentsTopic) {
      const projected = await decodePayment(record);
      return projected === null ? null : { from: 'payments', projected };
    }
    if (record.topic === config.checkInTopic) {
      const projected = await decodeCheckIn(record);
      return projected === null ? null : { from: 'checkin', projected };
    }
    const projected = await decodeFlight(record);
    return projected === null ? null : { from: 'flights', projected };
  };
  return startReadModelService({
    name: 'customer-bookings',
    logger,
    info: {
      title: 'customer-bookings',
      version: '1.0.0',
      description: "Customers' bookings, joined from the bookings, flights, payments and check-in events",
    },
    kafkaBrokers: config.kafkaBrokers,
    groupId: config.groupId,
    topics: [config.bookingsTopic, config.flightsTopic, config.paymentsTopic, config.checkInTopic],
    port: config.port,
    host: config.host,
    corsOrigins: config.corsOrigins,
    database,
    openVersion: (names, storage) => {
      const store = createMongoCustomerBookingsStore(database.db, storage);
      return {
        start: store.start,
        offsets: store.offsets,
        handleBatch: createCustomerBookingsProjector(store),
        apply: (events) =>
          applyCustomerBookingsEvents(
            store,
            events.flatMap((event) => (event === null ? [] : [event])),
          ),
        collections: customerBookingsCollections,
        queries: store,
      };
    },
    decode,
    routes: createCustomerBookingsRoutes,
    storeSources: customerBookingsSources(config),
    replay: config.replay,
  });
};
