import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitFor } from '@waggle/testing';
import type { TestStack } from './startTestCoordinator.ts';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** A coordinator as `npm start` runs it, in its own process (so a test can SIGKILL it), ready when this resolves. */
export const spawnCoordinator = async (
  stack: TestStack,
  options: { port: number; database: string; prefix: string; env?: Record<string, string> },
): Promise<ChildProcess> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'saga-coordinator/src/service/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: options.database,
      PORT: String(options.port),
      SAGA_TOPIC_PREFIX: options.prefix,
      SAGA_PARTITIONS: '3',
      SAGA_SESSION_TIMEOUT_MS: '6000',
      LOG_LEVEL: 'warn',
      ...options.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${options.port}/health/ready`).catch(() => undefined))?.ok, {
    timeoutMs: 60_000,
    description: `the coordinator on port ${options.port} to be ready`,
  });
  return child;
};

/** SIGKILLs a child and resolves once it is gone. */
export const killHard = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
};
