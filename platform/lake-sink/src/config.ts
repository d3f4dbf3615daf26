import { parseEnv, serviceEnv } from '@waggle/service-config';
import { z } from 'zod';
import { createCrashHook, type CrashHook } from './crashHook.ts';
import type { Rotation } from './decideRotation.ts';
import { lakeDirOf } from './lakeLocation.ts';

/** The validated settings of the lake sink; `process.env` is read here and nowhere else. */
export type LakeSinkConfig = {
  readonly kafkaBrokers: readonly string[];
  readonly schemaRegistryUrl: string;
  readonly lakeDir: string;
  readonly port: number;
  readonly host: string;
  readonly logLevel: string;
  readonly groupId: string;
  readonly topicPattern: RegExp;
  readonly topicRefreshMs: number;
  readonly sessionTimeoutMs: number;
  readonly rotation: Rotation;
  readonly duckdbThreads: number;
  readonly crashHook: CrashHook | undefined;
};

const envSchema = serviceEnv({ database: 'lake-sink', port: 3401 }).extend({
  LAKE_URL: z.string().optional(),
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
  LAKE_CRASH_AT: z.string().optional(),
});

/** Reads and validates the settings once at startup; a bad one throws with the variable's name. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): LakeSinkConfig => {
  const e = parseEnv(envSchema, env, 'lake-sink');
  return {
    kafkaBrokers: e.KAFKA_BROKERS,
    schemaRegistryUrl: e.SCHEMA_REGISTRY_URL,
    lakeDir: lakeDirOf(e.LAKE_URL),
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
    crashHook: createCrashHook(e.LAKE_CRASH_AT),
  };
};
