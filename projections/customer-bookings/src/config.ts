import { z } from 'zod';

/** The validated settings of customer-bookings; `process.env` is read here and nowhere else. */
export type CustomerBookingsConfig = {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly mongoUrl: string;
  readonly mongoDb: string;
  readonly port: number;
  readonly corsOrigins: readonly string[];
  readonly logLevel: string;
  readonly groupId: string;
  readonly flightsTopic: string;
  readonly bookingsTopic: string;
};

const list = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()))
  .transform((items) => items.filter((item) => item.length > 0));

const envSchema = z.object({
  KAFKA_BROKERS: list.pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port[,host:port]')).min(1)).default(['127.0.0.1:9092']),
  SCHEMA_REGISTRY_URL: z.url().default('http://127.0.0.1:8081/apis/ccompat/v7'),
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .default('mongodb://127.0.0.1:27017/?directConnection=true'),
  MONGO_DB: z
    .string()
    .regex(/^[^/\\. "$]{1,63}$/, 'must be a MongoDB database name')
    .default('projection-customer-bookings'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3202),
  CORS_ORIGINS: list.pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be origins like http://localhost:5173'))).default([]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GROUP_ID: z.string().min(1).default('customer-bookings'),
  FLIGHTS_TOPIC: z.string().min(1).default('flights.events'),
  BOOKINGS_TOPIC: z.string().min(1).default('bookings.events'),
});

/** Reads and validates the settings once at startup; a bad one throws with the variable's name. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): CustomerBookingsConfig => {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid customer-bookings settings: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL.replace(/\/+$/, ''),
    mongoUrl: e.MONGO_URL,
    mongoDb: e.MONGO_DB,
    port: e.PORT,
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    groupId: e.GROUP_ID,
    flightsTopic: e.FLIGHTS_TOPIC,
    bookingsTopic: e.BOOKINGS_TOPIC,
  };
};
