import { availableParallelism } from 'node:os';
import { parseEnv, serviceEnv } from '@waggle/service-config';
import { WaggleError } from '@waggle/errors';
import { z } from 'zod';
import { createCrashHook, type CrashHook } from './crashHook.ts';
import type { LakeSinkOptions } from './createLakeSink.ts';
import type { Rotation } from './decideRotation.ts';
import type { LakeStore } from './lakeStore.ts';
import { defaultLakeCacheDir, parseLakeUrl, type LakeStoreSettings } from './lakeLocation.ts';

/** The validated settings of the lake sink; `process.env` is read here and nowhere else. */
export type LakeSinkConfig = {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly lake: LakeStoreSettings;
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  readonly groupId: string;
  readonly topicPattern: RegExp;
  readonly topicRefreshMs: number;
  readonly sessionTimeoutMs: number;
  readonly rotation: Rotation;
  readonly duckdbThreads: number;
  readonly fetchMaxBytes: number;
  /** Members of the group this process runs, each in a thread of its own (1: the main thread's only). */
  readonly members: number;
  /** The crash hook's spec (`LAKE_CRASH_AT`), for members that build their own. */
  readonly crashAt: string | undefined;
  readonly crashHook: CrashHook | undefined;
};

const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Where the lake is: read by the sink and by `waggle lake`. */
const lakeEnvSchema = z.object({
  LAKE_URL: z.string().optional(),
  LAKE_S3_ENDPOINT: z.url().optional(),
  LAKE_S3_REGION: z.string().min(1).default('us-east-1'),
  LAKE_S3_PATH_STYLE: flag.default(true),
  LAKE_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  LAKE_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  LAKE_CACHE_DIR: z.string().min(1).optional(),
});

type LakeEnv = z.infer<typeof lakeEnvSchema>;

const toLakeSettings = (e: LakeEnv): LakeStoreSettings => {
  if ((e.LAKE_S3_ACCESS_KEY_ID === undefined) !== (e.LAKE_S3_SECRET_ACCESS_KEY === undefined))
    throw new Error('LAKE_S3_ACCESS_KEY_ID and LAKE_S3_SECRET_ACCESS_KEY go together (or neither: the AWS default chain)');
  return {
    location: parseLakeUrl(e.LAKE_URL),
    s3: {
      region: e.LAKE_S3_REGION,
      forcePathStyle: e.LAKE_S3_PATH_STYLE,
      ...(e.LAKE_S3_ENDPOINT === undefined ? {} : { endpoint: e.LAKE_S3_ENDPOINT }),
      ...(e.LAKE_S3_ACCESS_KEY_ID === undefined || e.LAKE_S3_SECRET_ACCESS_KEY === undefined
        ? {}
        : { credentials: { accessKeyId: e.LAKE_S3_ACCESS_KEY_ID, secretAccessKey: e.LAKE_S3_SECRET_ACCESS_KEY } }),
    },
    cacheDir: e.LAKE_CACHE_DIR ?? defaultLakeCacheDir,
  };
};

/**
 * The lake's place and how to reach it, from `LAKE_URL` and the `LAKE_S3_*` settings; a bad one throws a
 * non-retriable WaggleError naming the variable (`waggle lake` turns it into exit code 2).
 */
export const loadLakeSettings = (env: NodeJS.ProcessEnv = process.env): LakeStoreSettings => {
  const parsed = lakeEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WaggleError(`invalid setting ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`, { retriable: false });
  }
  try {
    return toLakeSettings(parsed.data);
  } catch (error) {
    if (error instanceof WaggleError) throw error;
    throw new WaggleError((error as Error).message, { retriable: false });
  }
};

const envSchema = serviceEnv({ database: 'lake-sink', port: 3401 }).extend({
  ...lakeEnvSchema.shape,
  GROUP_ID: z.string().min(1).default('lake-sink'),
  LAKE_TOPIC_PATTERN: z.string().min(1).default('\\.events$'),
  LAKE_TOPIC_REFRESH_MS: z.coerce.number().int().min(100).default(5_000),
  LAKE_SESSION_TIMEOUT_MS: z.coerce.number().int().min(6_000).default(30_000),
  LAKE_MAX_RECORDS: z.coerce.number().int().min(1).default(100_000),
  LAKE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(32 * 1024 * 1024),
  LAKE_MAX_AGE_MS: z.coerce.number().int().min(100).default(60_000),
  LAKE_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .default(32 * 1024 * 1024),
  LAKE_DUCKDB_THREADS: z.coerce.number().int().min(1).max(64).default(1),
  // what a fetch brings per partition (kafkajs's 1 MiB): 256 KiB halves the records in flight but, a fetch at a time,
  // halved the rate on the bench
  LAKE_FETCH_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(16 * 1024)
    .default(1024 * 1024),
  // one member fills a thread; on the bench two gave 0.63x of bare kafkajs where one gave 0.49x (2 cores)
  LAKE_MEMBERS: z.coerce.number().int().min(1).max(32).default(Math.min(4, availableParallelism())),
  LAKE_CRASH_AT: z.string().optional(),
});

/** Reads and validates the settings once at startup; a bad one throws with the variable's name. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): LakeSinkConfig => {
  const e = parseEnv(envSchema, env, 'lake-sink');
  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    lake: toLakeSettings(e),
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    groupId: e.GROUP_ID,
    topicPattern: new RegExp(e.LAKE_TOPIC_PATTERN),
    topicRefreshMs: e.LAKE_TOPIC_REFRESH_MS,
    sessionTimeoutMs: e.LAKE_SESSION_TIMEOUT_MS,
    rotation: {
      maxRecords: e.LAKE_MAX_RECORDS,
      maxBytes: e.LAKE_MAX_BYTES,
      maxAgeMs: e.LAKE_MAX_AGE_MS,
      maxBufferedBytes: e.LAKE_MAX_BUFFERED_BYTES,
    },
    duckdbThreads: e.LAKE_DUCKDB_THREADS,
    fetchMaxBytes: e.LAKE_FETCH_MAX_BYTES,
    members: e.LAKE_MEMBERS,
    crashAt: e.LAKE_CRASH_AT === '' ? undefined : e.LAKE_CRASH_AT,
    crashHook: createCrashHook(e.LAKE_CRASH_AT),
  };
};

/** The sink's options from its settings, for one member (`crashHook` and `clientId` are the caller's). */
export const lakeSinkOptions = (
  config: Omit<LakeSinkConfig, 'crashHook'>,
  store: LakeStore,
  logger: LakeSinkOptions['logger'],
): LakeSinkOptions => ({
  brokers: config.kafkaBrokers,
  registryUrl: config.schemaRegistryUrl,
  store,
  groupId: config.groupId,
  topicPattern: config.topicPattern,
  topicRefreshMs: config.topicRefreshMs,
  sessionTimeoutMs: config.sessionTimeoutMs,
  rotation: config.rotation,
  duckdbThreads: config.duckdbThreads,
  maxBytesPerPartition: config.fetchMaxBytes,
  logger,
});
