import { parseEnv, sagaTopicPrefix, serviceEnv } from '@waggle/service-config';
import { z } from 'zod';

const schema = serviceEnv({ database: 'bookings', port: 3102 }).extend({
  BOOKINGS_TOPIC: z.string().min(1).default('bookings.events'),
  FLIGHTS_TOPIC: z.string().min(1).default('flights.events'),
  SAGA_TOPIC_PREFIX: sagaTopicPrefix,
});

export type BookingsConfig = {
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
  readonly flightsTopic: string;
  /** The saga coordinator's topics (`<prefix>.tasks.<type>`, `<prefix>.inputs`): bookings serves the booking tasks. */
  readonly sagaTopicPrefix: string;
};

/** The bookings service's settings, from the environment; the only place that reads it. Fails at startup. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): BookingsConfig => {
  const e = parseEnv(schema, env, 'bookings');
  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    mongoUrl: e.MONGO_URL,
    database: e.MONGO_DB,
    port: e.PORT,
    host: e.HOST,
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    topic: e.BOOKINGS_TOPIC,
    flightsTopic: e.FLIGHTS_TOPIC,
    sagaTopicPrefix: e.SAGA_TOPIC_PREFIX,
  };
};
