import { z } from 'zod';

const list = z
  .string()
  .transform((value) => value.split(',').map((item) => item.trim()))
  .transform((items) => items.filter((item) => item.length > 0));

/**
 * The settings every waggle service reads, with the local stack's defaults: where Kafka, the registry and MongoDB
 * are (`KAFKA_BROKERS`, `SCHEMA_REGISTRY_URL`, `MONGO_URL`), its database, port, CORS origins and log level.
 * Extend it with a service's own settings.
 */
export const serviceEnv = (defaults: { readonly database: string; readonly port: number }) =>
  z.object({
    KAFKA_BROKERS: list
      .pipe(z.array(z.string().regex(/^[^:\s]+:\d+$/, 'must be host:port[,host:port]')).min(1))
      .default(['127.0.0.1:9092']),
    SCHEMA_REGISTRY_URL: z
      .url()
      .default('http://127.0.0.1:8081/apis/ccompat/v7')
      .transform((url) => url.replace(/\/+$/, '')),
    MONGO_URL: z
      .string()
      .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
      .default('mongodb://127.0.0.1:27017/?directConnection=true'),
    MONGO_DB: z
      .string()
      .regex(/^[^/\\. "$]{1,63}$/, 'must be a MongoDB database name')
      .default(defaults.database),
    PORT: z.coerce.number().int().min(0).max(65535).default(defaults.port),
    HOST: z.string().min(1).default('127.0.0.1'),
    CORS_ORIGINS: list.pipe(z.array(z.string().regex(/^https?:\/\/[^/\s]+$/, 'must be origins like http://localhost:5173'))).default([]),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  });

/** Validates the environment once at startup; a bad setting throws one error naming every bad variable. */
export const parseEnv = <S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv, service: string): z.output<S> => {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid ${service} settings: ${problems.join('; ')}`);
  }
  return parsed.data;
};

/**
 * `SAGA_TOPIC_PREFIX`: the saga coordinator's topics (`<prefix>.tasks.<type>`, `<prefix>.inputs`), read by the
 * coordinator and by every context that serves its tasks.
 */
export const sagaTopicPrefix = z
  .string()
  .regex(/^[a-zA-Z0-9._-]{1,100}$/, 'must be a Kafka topic name prefix')
  .default('saga');

/** How a read model's versions are rebuilt and kept (`waggle replay`), as `startReadModelService` takes it. */
export type ReplaySettings = {
  /** How long a replaced version is kept, and kept up, for `waggle replay rollback`. */
  readonly keepPreviousMs: number;
  /** A rebuild has caught up at this lag or less (records, summed over partitions). */
  readonly lagThreshold: number;
  /** Most records a version handles per batch when it catches up: the fewer batches, the fewer writes per event. */
  readonly batchRecords: number;
  /** Records a rebuild applies in memory between two checkpoints (documents written once per checkpoint, then offsets). */
  readonly flushRecords: number;
};

/** The settings of a read-model service: every service's, and its replays' (`REPLAY_*`). */
export const readModelEnv = (defaults: { readonly database: string; readonly port: number }) =>
  serviceEnv(defaults).extend({
    REPLAY_KEEP_PREVIOUS_MS: z.coerce
      .number()
      .int()
      .min(0)
      .default(24 * 3600_000),
    REPLAY_LAG_THRESHOLD: z.coerce.number().int().min(0).default(500),
    REPLAY_BATCH_RECORDS: z.coerce.number().int().min(1).max(100_000).default(20_000),
    REPLAY_FLUSH_RECORDS: z.coerce.number().int().min(1).default(250_000),
  });

/** The replay settings out of a parsed `readModelEnv`. */
export const replaySettings = (e: {
  readonly REPLAY_KEEP_PREVIOUS_MS: number;
  readonly REPLAY_LAG_THRESHOLD: number;
  readonly REPLAY_BATCH_RECORDS: number;
  readonly REPLAY_FLUSH_RECORDS: number;
}): ReplaySettings => ({
  keepPreviousMs: e.REPLAY_KEEP_PREVIOUS_MS,
  lagThreshold: e.REPLAY_LAG_THRESHOLD,
  batchRecords: e.REPLAY_BATCH_RECORDS,
  flushRecords: e.REPLAY_FLUSH_RECORDS,
});
