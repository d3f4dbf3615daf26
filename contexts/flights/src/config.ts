import { parseEnv, sagaTopicPrefix, serviceEnv } from '@waggle/service-config';
import { z } from 'zod';

const schema = serviceEnv({ database: 'flights', port: 3101 }).extend({
  FLIGHTS_TOPIC: z.string().min(1).default('flights.events'),
  SAGA_TOPIC_PREFIX: sagaTopicPrefix,
  HOLD_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  HOLD_SWEEP_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
});

export type FlightsConfig = {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly mongoUrl: string;
  readonly database: string;
  readonly port: number;
  readonly host: string;
  readonly corsOrigins: readonly string[];
  readonly logLevel: string;
  /** The topic this service publishes to. */
  readonly topic: string;
  /** The saga coordinator's topics (`<prefix>.tasks.<type>`, `<prefix>.inputs`): flights serves the seat tasks. */
  readonly sagaTopicPrefix: string;
  /** How long a hold taken over the API lasts unless confirmed (a booking's hold lasts until its booking answers). */
  readonly holdTtlSeconds: number;
  readonly holdSweepMs: number;
};

/** The flights service's settings, from the environment; the only place that reads it. Fails at startup. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): FlightsConfig => {
  const e = parseEnv(schema, env, 'flights');
  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    mongoUrl: e.MONGO_URL,
    database: e.MONGO_DB,
    port: e.PORT,
    host: e.HOST,
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    topic: e.FLIGHTS_TOPIC,
    sagaTopicPrefix: e.SAGA_TOPIC_PREFIX,
    holdTtlSeconds: e.HOLD_TTL_SECONDS,
    holdSweepMs: e.HOLD_SWEEP_MS,
  };
};
