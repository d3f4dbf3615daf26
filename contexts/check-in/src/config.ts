import { parseEnv, serviceEnv } from '@waggle/service-config';
import { z } from 'zod';

const schema = serviceEnv({ database: 'check-in', port: 3105 }).extend({
  CHECKIN_TOPIC: z.string().min(1).default('checkin.events'),
  BOOKINGS_TOPIC: z.string().min(1).default('bookings.events'),
  FLIGHTS_TOPIC: z.string().min(1).default('flights.events'),
  // 24 h; tests open check-in seconds before a departure a few seconds away
  CHECKIN_OPENS_BEFORE_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .max(14 * 86_400)
    .default(86_400),
  CHECKIN_TIMER_RECHECK_MS: z.coerce.number().int().min(50).max(60_000).default(5_000),
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
  /** How long before departure check-in opens for a confirmed booking. */
  readonly opensBeforeSeconds: number;
  /**
   * The longest the timer sweep sleeps: it wakes at the next due timer it knows of and when this process sets one,
   * so this bounds how late it sees a timer another instance set.
   */
  readonly timerRecheckMs: number;
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
    opensBeforeSeconds: e.CHECKIN_OPENS_BEFORE_SECONDS,
    timerRecheckMs: e.CHECKIN_TIMER_RECHECK_MS,
  };
};
