import { TransientError } from '@waggle/errors';
import { createHttpApp, startHttpServer } from '@waggle/http';
import { createConsumer, createTopics, type ConsumedRecord, type Logger as BusLogger } from '@waggle/kafka-bus';
import { createLogger, type Logger } from '@waggle/observability';
import { bookingsFullNames, flightsFullNames, loadSchemas, type BookingsEvent, type FlightsEvent } from '@waggle/schemas';
import { createAvroSerde } from '@waggle/serde';
import type { CustomerBookingsConfig } from './config.ts';
import { createCustomerBookingsProjector, type IncomingEvent } from './createCustomerBookingsProjector.ts';
import { createEventDecoder } from '@waggle/read-model';
import { createCustomerBookingsRoutes } from './customerBookingsApi.ts';
import { createMongoCustomerBookingsStore } from './mongoCustomerBookingsStore.ts';

export type CustomerBookingsService = { readonly url: string; readonly port: number; readonly stop: () => Promise<void> };

// the topics' partition count when this service is the first to need them
const partitions = 3;

const toBusLogger = (logger: Logger): BusLogger => ({
  info: (message, fields) => logger.info(fields ?? {}, message),
  warn: (message, fields) => logger.warn(fields ?? {}, message),
  error: (message, fields) => logger.error(fields ?? {}, message),
});

/** Starts customer-bookings: the projection consuming the bookings and flights topics from their beginning, and its REST API. */
export const startCustomerBookings = async (
  config: CustomerBookingsConfig,
  logger: Logger = createLogger({ service: 'customer-bookings', level: config.logLevel }),
): Promise<CustomerBookingsService> => {
  const busLogger = toBusLogger(logger);
  const store = createMongoCustomerBookingsStore({ url: config.mongoUrl, dbName: config.mongoDb });
  const serde = createAvroSerde({ registryUrl: config.schemaRegistryUrl, schemas: loadSchemas() });
  const decodeBooking = createEventDecoder<BookingsEvent>(serde, bookingsFullNames);
  const decodeFlight = createEventDecoder<FlightsEvent>(serde, flightsFullNames);
  // by topic, not by event type: a topic's handler writes only its own kind of document
  const decode = async (record: ConsumedRecord<never>): Promise<IncomingEvent | null> => {
    if (record.topic === config.bookingsTopic) {
      const projected = await decodeBooking(record);
      return projected === null ? null : { from: 'bookings', projected };
    }
    const projected = await decodeFlight(record);
    return projected === null ? null : { from: 'flights', projected };
  };
  const consumer = createConsumer<IncomingEvent | null>({
    brokers: config.kafkaBrokers,
    groupId: config.groupId,
    clientId: 'customer-bookings',
    topics: [config.bookingsTopic, config.flightsTopic],
    // a new group builds the read model from the first event on
    fromBeginning: true,
    decode,
    handleBatch: createCustomerBookingsProjector(store),
    logger: busLogger,
  });
  const app = createHttpApp({
    logger,
    info: { title: 'customer-bookings', version: '1.0.0', description: "Customers' bookings, joined from the bookings and flights events" },
    routes: createCustomerBookingsRoutes(store),
    ready: async () => {
      await store.ping().catch((error: unknown) => {
        throw new TransientError('the read model database does not answer', { cause: error });
      });
    },
    corsOrigins: config.corsOrigins,
  });

  await store.start();
  await createTopics(
    config.kafkaBrokers,
    [config.bookingsTopic, config.flightsTopic].map((topic) => ({ topic, partitions })),
    { clientId: 'customer-bookings', logger: busLogger },
  );
  await consumer.start();
  const server = await startHttpServer(app, { port: config.port });
  logger.info(
    { url: server.url, topics: [config.bookingsTopic, config.flightsTopic], groupId: config.groupId, db: config.mongoDb },
    'customer-bookings started',
  );
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
