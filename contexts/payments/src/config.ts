import { parseEnv, sagaTopicPrefix, serviceEnv } from '@waggle/service-config';
import { z } from 'zod';

const schema = serviceEnv({ database: 'payments', port: 3103 }).extend({
  PAYMENTS_TOPIC: z.string().min(1).default('payments.events'),
  SAGA_TOPIC_PREFIX: sagaTopicPrefix,
  PAYMENTS_CUSTOMER_LIMIT_CENTS: z.coerce.number().int().min(0).max(1_000_000_000).default(1_000_000),
  PAYMENTS_GATEWAY_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
});

export type PaymentsConfig = {
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
  /** The saga coordinator's topics: tasks on `<prefix>.tasks.<taskType>`, answers on `<prefix>.inputs`. */
  readonly sagaTopicPrefix: string;
  /** The most a customer's card allows in one payment; above it the gateway declines (`amount over customer limit`). */
  readonly customerLimitCents: number;
  /** How long every gateway call takes. */
  readonly gatewayLatencyMs: number;
};

/** The payments service's settings, from the environment; the only place that reads it. Fails at startup. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): PaymentsConfig => {
  const e = parseEnv(schema, env, 'payments');
  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    mongoUrl: e.MONGO_URL,
    database: e.MONGO_DB,
    port: e.PORT,
    host: e.HOST,
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    topic: e.PAYMENTS_TOPIC,
    sagaTopicPrefix: e.SAGA_TOPIC_PREFIX,
    customerLimitCents: e.PAYMENTS_CUSTOMER_LIMIT_CENTS,
    gatewayLatencyMs: e.PAYMENTS_GATEWAY_LATENCY_MS,
  };
};
