import { parseEnv, readModelEnv, replaySettings, type ReplaySettings } from '@waggle/service-config';
import { z } from 'zod';

/** The validated settings of flight-search; `process.env` is read here and nowhere else. */
export type FlightSearchConfig = {
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
  /** How its versions are rebuilt and kept (`REPLAY_*`). */
  readonly replay: ReplaySettings;
  /** The database of the flights event store, for `waggle replay --from-store flights`. */
  readonly flightsStoreDb: string;
  readonly eventStoreLanes: number;
};

const envSchema = readModelEnv({ database: 'projection-flight-search', port: 3201 }).extend({
  GROUP_ID: z.string().min(1).default('flight-search'),
  FLIGHTS_TOPIC: z.string().min(1).default('flights.events'),
  FLIGHTS_STORE_DB: z.string().min(1).default('flights'),
  EVENT_STORE_LANES: z.coerce.number().int().min(1).default(4),
});

/** Reads and validates the settings once at startup; a bad one throws with the variable's name. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): FlightSearchConfig => {
  const e = parseEnv(envSchema, env, 'flight-search');
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
    replay: replaySettings(e),
    flightsStoreDb: e.FLIGHTS_STORE_DB,
    eventStoreLanes: e.EVENT_STORE_LANES,
  };
};
