import { parseEnv, serviceEnv } from '@waggle/service-config';
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
  /** How long a replaced version is kept, and kept up, for `waggle replay rollback`. */
  readonly keepPreviousMs: number;
  /** A rebuild has caught up at this lag or less (records, summed over partitions). */
  readonly replayLagThreshold: number;
  /** Most records a rebuilding version handles per batch. */
  readonly replayBatchRecords: number;
  /** The databases of the flights, bookings and payments event stores, for `waggle replay --from-store`. */
  readonly flightsStoreDb: string;
  readonly bookingsStoreDb: string;
  readonly paymentsStoreDb: string;
  readonly eventStoreLanes: number;
};

const envSchema = serviceEnv({ database: 'projection-route-revenue-daily', port: 3204 }).extend({
  GROUP_ID: z.string().min(1).default('route-revenue-daily'),
  FLIGHTS_TOPIC: z.string().min(1).default('flights.events'),
  BOOKINGS_TOPIC: z.string().min(1).default('bookings.events'),
  PAYMENTS_TOPIC: z.string().min(1).default('payments.events'),
  REPLAY_KEEP_PREVIOUS_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(24 * 3600_000),
  REPLAY_LAG_THRESHOLD: z.coerce.number().int().min(0).default(500),
  REPLAY_BATCH_RECORDS: z.coerce.number().int().min(1).max(100_000).default(20_000),
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
    keepPreviousMs: e.REPLAY_KEEP_PREVIOUS_MS,
    replayLagThreshold: e.REPLAY_LAG_THRESHOLD,
    replayBatchRecords: e.REPLAY_BATCH_RECORDS,
    flightsStoreDb: e.FLIGHTS_STORE_DB,
    bookingsStoreDb: e.BOOKINGS_STORE_DB,
    paymentsStoreDb: e.PAYMENTS_STORE_DB,
    eventStoreLanes: e.EVENT_STORE_LANES,
  };
};
