import { parseEnv, readModelEnv, replaySettings, type ReplaySettings } from '@waggle/service-config';
import { z } from 'zod';

/** The validated settings of route-revenue-daily; `process.env` is read here and nowhere else. */
export type RouteRevenueConfig = {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly mongoUrl: string;
  readonly mongoDb: string;
  readonly port: number;
  readonly host: string;
  readonly corsOrigins: readonly string[];
  readonly logLevel: string;
  readonly groupId: string;
  readonly flightsTopic: string;
  readonly bookingsTopic: string;
  readonly paymentsTopic: string;
  /** How its versions are rebuilt and kept (`REPLAY_*`). */
  readonly replay: ReplaySettings;
  /** The databases of the flights, bookings and payments event stores, for `waggle replay --from-store`. */
  readonly flightsStoreDb: string;
  readonly bookingsStoreDb: string;
  readonly paymentsStoreDb: string;
  readonly eventStoreLanes: number;
};

const envSchema = readModelEnv({ database: 'projection-route-revenue-daily', port: 3204 }).extend({
  GROUP_ID: z.string().min(1).default('route-revenue-daily'),
  FLIGHTS_TOPIC: z.string().min(1).default('flights.events'),
  BOOKINGS_TOPIC: z.string().min(1).default('bookings.events'),
  PAYMENTS_TOPIC: z.string().min(1).default('payments.events'),
  FLIGHTS_STORE_DB: z.string().min(1).default('flights'),
  BOOKINGS_STORE_DB: z.string().min(1).default('bookings'),
  PAYMENTS_STORE_DB: z.string().min(1).default('payments'),
  EVENT_STORE_LANES: z.coerce.number().int().min(1).default(4),
});

/** Reads and validates the settings once at startup; a bad one throws with the variable's name. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): RouteRevenueConfig => {
  const e = parseEnv(envSchema, env, 'route-revenue-daily');
  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    mongoUrl: e.MONGO_URL,
    mongoDb: e.MONGO_DB,
    port: e.PORT,
    host: e.HOST,
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    groupId: e.GROUP_ID,
    flightsTopic: e.FLIGHTS_TOPIC,
    bookingsTopic: e.BOOKINGS_TOPIC,
    paymentsTopic: e.PAYMENTS_TOPIC,
    replay: replaySettings(e),
    flightsStoreDb: e.FLIGHTS_STORE_DB,
    bookingsStoreDb: e.BOOKINGS_STORE_DB,
    paymentsStoreDb: e.PAYMENTS_STORE_DB,
    eventStoreLanes: e.EVENT_STORE_LANES,
  };
};
