import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { s3EnvLines, s3StackConfig, type S3StackConfig } from './s3Component.ts';

/** Where each of the three stack settings comes from: started here, or someone else's server. */
export type StackMode = 'local' | 'external';

/** The validated settings of the local stack; `process.env` is read here and nowhere else in this library. */
export type StackConfig = {
  readonly kafka: { readonly mode: StackMode; readonly brokers: string; readonly port: number; readonly controllerPort: number };
  readonly registry: { readonly mode: StackMode; readonly url: string; readonly port: number; readonly managementPort: number };
  readonly mongo: { readonly mode: StackMode; readonly url: string; readonly port: number };
  /** The optional S3 server for a lake on object storage. */
  readonly s3: S3StackConfig;
  /** Data, logs and pid files of the running stack (git-ignored). */
  readonly stateDir: string;
  /** Downloads and builds shared by every clone on this machine. */
  readonly cacheDir: string;
};

const port = z.coerce.number().int().min(1).max(65535);

const envSchema = z.object({
  KAFKA_BROKERS: z.string().min(1).optional(),
  SCHEMA_REGISTRY_URL: z.url().optional(),
  MONGO_URL: z
    .string()
    .regex(/^mongodb(\+srv)?:\/\//, 'must start with mongodb:// or mongodb+srv://')
    .optional(),
  WAGGLE_KAFKA_PORT: port.default(9092),
  WAGGLE_KAFKA_CONTROLLER_PORT: port.default(9093),
  WAGGLE_REGISTRY_PORT: port.default(8081),
  WAGGLE_REGISTRY_MANAGEMENT_PORT: port.default(8091),
  WAGGLE_MONGO_PORT: port.default(27017),
  WAGGLE_STATE_DIR: z.string().min(1).optional(),
  WAGGLE_CACHE_DIR: z.string().min(1).optional(),
  XDG_CACHE_HOME: z.string().min(1).optional(),
});

/** Thrown for a setting that cannot be used; the message names the variable. */
export class StackConfigError extends Error {
  readonly retriable = false;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Reads the stack settings from the environment. A set `KAFKA_BROKERS`, `SCHEMA_REGISTRY_URL` or `MONGO_URL`
 * marks that part as external: it is checked, never started.
 */
export const loadStackConfig = (env: NodeJS.ProcessEnv = process.env): StackConfig => {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StackConfigError(`invalid setting ${issue?.path.join('.') ?? '?'}: ${issue?.message ?? 'invalid'}`);
  }
  const e = parsed.data;
  const cacheRoot = e.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  return {
    kafka: {
      mode: e.KAFKA_BROKERS ? 'external' : 'local',
      brokers: e.KAFKA_BROKERS ?? `127.0.0.1:${e.WAGGLE_KAFKA_PORT}`,
      port: e.WAGGLE_KAFKA_PORT,
      controllerPort: e.WAGGLE_KAFKA_CONTROLLER_PORT,
    },
    registry: {
      mode: e.SCHEMA_REGISTRY_URL ? 'external' : 'local',
      url: (e.SCHEMA_REGISTRY_URL ?? `http://127.0.0.1:${e.WAGGLE_REGISTRY_PORT}/apis/ccompat/v7`).replace(/\/+$/, ''),
      port: e.WAGGLE_REGISTRY_PORT,
      managementPort: e.WAGGLE_REGISTRY_MANAGEMENT_PORT,
    },
    mongo: {
      mode: e.MONGO_URL ? 'external' : 'local',
      url: e.MONGO_URL ?? `mongodb://127.0.0.1:${e.WAGGLE_MONGO_PORT}/?directConnection=true`,
      port: e.WAGGLE_MONGO_PORT,
    },
    s3: s3StackConfig(env),
    stateDir: e.WAGGLE_STATE_DIR ?? join(repoRoot, '.waggle', 'stack'),
    cacheDir: e.WAGGLE_CACHE_DIR ?? join(cacheRoot, 'waggle'),
  };
};

/** The three settings every service reads, as `KEY=value` lines. */
export const toEnvLines = (config: StackConfig): string[] => [
  `KAFKA_BROKERS=${config.kafka.brokers}`,
  `SCHEMA_REGISTRY_URL=${config.registry.url}`,
  `MONGO_URL=${config.mongo.url}`,
  ...s3EnvLines(config.s3),
];
