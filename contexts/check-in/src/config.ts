import { parseEnv, serviceEnv } from '@waggle/service-config';
import { z } from 'zod';

const schema = serviceEnv({ database: 'check-in', port: 3105 }).extend({
  CHECKIN_TOPIC: z.string().min(1).default('checkin.events'),
  BOOKINGS_TOPIC: z.string().min(1).default('bookings.events'),
  FLIGHTS_TOPIC: z.string().min(1).default('flights.events'),
  CHECKIN_OPENS_HOURS_BEFORE: z.coerce.number().positive().max(336).default(24),
  CHECKIN_SWEEP_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
});

export type CheckInConfig = {
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
  readonly flightsTopic: string;
  /** How long before departure check-in opens for a confirmed booking (hours; fractions for tests). */
  readonly opensHoursBefore: number;
  /** How often the due check-in timers (open, close at departure) are looked for. */
  readonly sweepMs: number;
};

/** The check-in service's settings, from the environment; the only place that reads it. Fails at startup. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): CheckInConfig => {
  const e = parseEnv(schema, env, 'check-in');
  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    mongoUrl: e.MONGO_URL,
    database: e.MONGO_DB,
    port: e.PORT,
    host: e.HOST,
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    topic: e.CHECKIN_TOPIC,
    bookingsTopic: e.BOOKINGS_TOPIC,
    flightsTopic: e.FLIGHTS_TOPIC,
    opensHoursBefore: e.CHECKIN_OPENS_HOURS_BEFORE,
    sweepMs: e.CHECKIN_SWEEP_MS,
  };
};
