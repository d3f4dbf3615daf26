import { parseEnv, readModelEnv, replaySettings, type ReplaySettings } from '@waggle/service-config';
import { z } from 'zod';

/** The validated settings of customer-bookings; `process.env` is read here and nowhere else. */
export type CustomerBookingsConfig = {
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
  readonly checkInTopic: string;
  /** How its versions are rebuilt and kept (`REPLAY_*`). */
  readonly replay: ReplaySettings;
  /** The databases of the contexts' event stores, for `waggle replay --from-store`. */
  readonly bookingsStoreDb: string;
  readonly flightsStoreDb: string;
  readonly paymentsStoreDb: string;
  readonly checkInStoreDb: string;
  readonly eventStoreLanes: number;
};

const envSchema = readModelEnv({ database: 'projection-customer-bookings', port: 3202 }).extend({
  GROUP_ID: z.string().min(1).default('customer-bookings'),
  FLIGHTS_TOPIC: z.string().min(1).default('flights.events'),
  BOOKINGS_TOPIC: z.string().min(1).default('bookings.events'),
  PAYMENTS_TOPIC: z.string().min(1).default('payments.events'),
  CHECKIN_TOPIC: z.string().min(1).default('checkin.events'),
  BOOKINGS_STORE_DB: z.string().min(1).default('bookings'),
  FLIGHTS_STORE_DB: z.string().min(1).default('flights'),
  PAYMENTS_STORE_DB: z.string().min(1).default('payments'),
  CHECKIN_STORE_DB: z.string().min(1).default('check-in'),
  EVENT_STORE_LANES: z.coerce.number().int().min(1).default(4),
});

/** Reads and validates the settings once at startup; a bad one throws with the variable's name. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): CustomerBookingsConfig => {
  const e = parseEnv(envSchema, env, 'customer-bookings');
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
    checkInTopic: e.CHECKIN_TOPIC,
    replay: replaySettings(e),
    bookingsStoreDb: e.BOOKINGS_STORE_DB,
    flightsStoreDb: e.FLIGHTS_STORE_DB,
    paymentsStoreDb: e.PAYMENTS_STORE_DB,
    checkInStoreDb: e.CHECKIN_STORE_DB,
    eventStoreLanes: e.EVENT_STORE_LANES,
  };
};
