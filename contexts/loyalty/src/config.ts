import { parseEnv, serviceEnv } from '@waggle/service-config';
import { z } from 'zod';

const schema = serviceEnv({ database: 'loyalty', port: 3104 }).extend({
  LOYALTY_TOPIC: z.string().min(1).default('loyalty.events'),
  BOOKINGS_TOPIC: z.string().min(1).default('bookings.events'),
  LOYALTY_POINTS_PER_SEAT: z.coerce.number().int().min(1).max(100_000).default(500),
});

export type LoyaltyConfig = {
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
  readonly bookingsTopic: string;
  /** Points a member earns per seat of a confirmed booking. */
  readonly pointsPerSeat: number;
};

/** The loyalty service's settings, from the environment; the only place that reads it. Fails at startup. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): LoyaltyConfig => {
  const e = parseEnv(schema, env, 'loyalty');
  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    mongoUrl: e.MONGO_URL,
    database: e.MONGO_DB,
    port: e.PORT,
    host: e.HOST,
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    topic: e.LOYALTY_TOPIC,
    bookingsTopic: e.BOOKINGS_TOPIC,
    pointsPerSeat: e.LOYALTY_POINTS_PER_SEAT,
  };
};
