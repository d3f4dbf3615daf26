import { fileURLToPath } from 'node:url';
import { parseEnv, sagaTopicPrefix, serviceEnv } from '@waggle/service-config';
import { z } from 'zod';
import { toCorrelationTopics } from '../correlation/correlationTopics.ts';

const bundledWorkflows = fileURLToPath(new URL('../../workflows/', import.meta.url));

const schema = serviceEnv({ database: 'saga-coordinator', port: 3501 }).extend({
  SAGA_TOPIC_PREFIX: sagaTopicPrefix,
  SAGA_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(6),
  SAGA_TIMER_SHARDS: z.coerce.number().int().min(1).max(1000).default(6),
  SAGA_TIMER_RECHECK_MS: z.coerce.number().int().min(100).max(600_000).default(5_000),
  SAGA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).max(300_000).default(30_000),
  SAGA_HTTP_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((host) => host.trim())
        .filter((host) => host.length > 0),
    ),
  SAGA_REPLY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  SAGA_WORKFLOWS_DIR: z.string().default(bundledWorkflows),
  SAGA_CORRELATION_TOPICS: z.string().default(''),
  SAGA_CORRELATION_DB: z
    .string()
    .regex(/^[^/\\. "$]{1,63}$/, 'must be a MongoDB database name')
    .optional(),
  SAGA_CORRELATION_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(7),
  SAGA_CORRELATION_LINGER_MS: z.coerce.number().int().min(0).max(60_000).default(500),
});

export type CoordinatorConfig = {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly mongoUrl: string;
  readonly database: string;
  readonly port: number;
  readonly host: string;
  readonly corsOrigins: readonly string[];
  readonly logLevel: string;
  /** Topics `<prefix>.inputs`, `<prefix>.tasks.<taskType>`, `<prefix>.events`; also names the consumer groups. */
  readonly topicPrefix: string;
  /** Partitions of the inputs and task topics when created: how many coordinator instances can share the work. */
  readonly partitions: number;
  /** Timer shards leased among instances. */
  readonly timerShards: number;
  /**
   * The longest an instance sleeps without reading its timer shards: it otherwise sleeps until its next due timer, is
   * woken by timers scheduled in-process and signalled by other instances for timers due before this re-check.
   */
  readonly timerRecheckMs: number;
  /** How long a silent instance keeps its partitions, lanes and timer shards before others take them over. */
  readonly sessionTimeoutMs: number;
  /** Hosts (`host` or `host:port`) HTTP tasks may call; nothing else is reachable (none by default). */
  readonly httpAllowedHosts: readonly string[];
  /** How long an API call waits for its input to be applied by the execution's owner. */
  readonly replyTimeoutMs: number;
  /** Definitions registered at start (workflows, task defs, event handlers); undefined: none (`SAGA_WORKFLOWS_DIR=none`). */
  readonly workflowsDir: string | undefined;
  /** A deployment's topic names (`BOOKINGS_TOPIC=x` renames `bookings.events`), applied to the registered event handlers. */
  readonly eventTopics: Readonly<Record<string, string>>;
  /** The correlation index: which topics it reads (undefined: off), how many days it keeps, how long a write waits for more. */
  readonly correlations: {
    readonly topics: RegExp | undefined;
    /** Its own database (default `<MONGO_DB>-correlations`): on FerretDB a database's writers queue on one lock. */
    readonly database: string;
    readonly retentionDays: number;
    readonly lingerMs: number;
  };
};

/** The coordinator's settings, from the environment; the only place that reads it. Fails at startup. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): CoordinatorConfig => {
  const e = parseEnv(schema, env, 'saga-coordinator');
  const eventTopics = Object.fromEntries(
    Object.entries(env).flatMap(([name, value]) =>
      /^[A-Z]+_TOPIC$/.test(name) && value ? [[`${name.slice(0, -'_TOPIC'.length).toLowerCase()}.events`, value]] : [],
    ),
  );
  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    mongoUrl: e.MONGO_URL,
    database: e.MONGO_DB,
    port: e.PORT,
    host: e.HOST,
    corsOrigins: e.CORS_ORIGINS,
    logLevel: e.LOG_LEVEL,
    topicPrefix: e.SAGA_TOPIC_PREFIX,
    partitions: e.SAGA_PARTITIONS,
    timerShards: e.SAGA_TIMER_SHARDS,
    timerRecheckMs: e.SAGA_TIMER_RECHECK_MS,
    sessionTimeoutMs: e.SAGA_SESSION_TIMEOUT_MS,
    httpAllowedHosts: e.SAGA_HTTP_ALLOWED_HOSTS,
    replyTimeoutMs: e.SAGA_REPLY_TIMEOUT_MS,
    workflowsDir: e.SAGA_WORKFLOWS_DIR === 'none' || e.SAGA_WORKFLOWS_DIR === '' ? undefined : e.SAGA_WORKFLOWS_DIR,
    eventTopics,
    correlations: {
      topics: toCorrelationTopics(e.SAGA_CORRELATION_TOPICS, e.SAGA_TOPIC_PREFIX, eventTopics),
      database: e.SAGA_CORRELATION_DB ?? `${e.MONGO_DB.slice(0, 63 - '-correlations'.length)}-correlations`,
      retentionDays: e.SAGA_CORRELATION_RETENTION_DAYS,
      lingerMs: e.SAGA_CORRELATION_LINGER_MS,
    },
  };
};
