import { execFile } from 'node:child_process';
import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Report } from './artifacts.ts';
import type { Component } from './components.ts';
import { ensureDir } from './processes.ts';
import type { StackConfig } from './stackConfig.ts';
import { StackError } from './stackError.ts';
import { assertTool } from './toolchain.ts';

const run = promisify(execFile);

/** versitygw: an Apache-2.0 S3 gateway over a plain folder, built from the Go module proxy like FerretDB. */
export const versityGwVersion = 'v1.8.0';
const versityGwModule = 'github.com/versity/versitygw/cmd/versitygw';

/**
 * The optional S3 server of the local stack, for a lake on object storage (`LAKE_URL=s3://…`). Off unless
 * `WAGGLE_S3=1`, so the default start stays as fast as it was; its keys are fixed, local-only ones.
 */
export type S3StackConfig = {
  readonly enabled: boolean;
  readonly port: number;
  readonly bucket: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
};

/** The S3 part of the stack settings, from the environment `loadStackConfig` was given. */
export const s3StackConfig = (env: NodeJS.ProcessEnv): S3StackConfig => {
  const port = Number(env['WAGGLE_S3_PORT'] ?? 9070);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StackError(`invalid setting WAGGLE_S3_PORT: ${env['WAGGLE_S3_PORT']}`);
  return {
    enabled: env['WAGGLE_S3'] === '1' || env['WAGGLE_S3'] === 'true',
    port,
    bucket: 'waggle-lake',
    accessKeyId: 'waggle',
    secretAccessKey: 'waggle-local-only',
  };
};

/** The settings a lake sink needs for the stack's S3 server, as `KEY=value` lines (none when it is off). */
export const s3EnvLines = (s3: S3StackConfig): string[] =>
  s3.enabled
    ? [
        `LAKE_URL=s3://${s3.bucket}/lake`,
        `LAKE_S3_ENDPOINT=http://127.0.0.1:${s3.port}`,
        `LAKE_S3_ACCESS_KEY_ID=${s3.accessKeyId}`,
        `LAKE_S3_SECRET_ACCESS_KEY=${s3.secretAccessKey}`,
      ]
    : [];

const exists = (path: string): Promise<boolean> =>
  access(path).then(
    () => true,
    () => false,
  );

/** The versitygw binary, built once per version into the cache with `go install` (about 6 minutes on 2 cores). */
export const resolveVersityGw = async (cacheDir: string, report: Report): Promise<string> => {
  const dir = join(cacheDir, `versitygw-${versityGwVersion}`);
  const binary = join(dir, 'versitygw');
  if (await exists(binary)) return binary;
  await assertTool('go', `build versitygw ${versityGwVersion}`);
  report(`s3: building versitygw ${versityGwVersion} with Go (first run only, a few minutes on 2 cores)`);
  const building = `${dir}.${process.pid}.tmp`;
  const logFile = join(cacheDir, 'versitygw-go.log');
  await mkdir(building, { recursive: true });
  try {
    const { stdout, stderr } = await run('go', ['install', '-trimpath', `${versityGwModule}@${versityGwVersion}`], {
      cwd: building,
      timeout: 20 * 60_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, GOBIN: building },
    });
    await writeFile(logFile, stdout + stderr);
    await rename(building, dir);
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; code?: unknown };
    await writeFile(logFile, `${failure.stdout ?? ''}${failure.stderr ?? ''}`);
    await rm(building, { recursive: true, force: true });
    throw new StackError(
      `could not build ${versityGwModule}@${versityGwVersion} (go exit ${String(failure.code)}); its output is in ${logFile}`,
      {
        cause: error,
      },
    );
  }
  return binary;
};

/** How versitygw serves a folder as S3 on 127.0.0.1:`port` (a bucket is a subfolder of `dataDir`). */
export const versityGwArgs = (options: { port: number; dataDir: string; accessKeyId: string; secretAccessKey: string }): string[] => [
  '--access',
  options.accessKeyId,
  '--secret',
  options.secretAccessKey,
  '--port',
  `127.0.0.1:${options.port}`,
  '--quiet',
  'posix',
  options.dataDir,
];

/** Any HTTP answer (an unsigned request is refused with 403) means the gateway is up. */
export const probeS3 = async (url: string): Promise<void> => {
  const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await response.body?.cancel();
};

/** The stack's S3 server as a component: present only when `WAGGLE_S3=1`. */
export const s3Components = (config: StackConfig): Component[] => {
  const { s3 } = config;
  if (!s3.enabled) return [];
  const dir = join(config.stateDir, 's3');
  const dataDir = join(dir, 'data');
  const logsDir = join(dir, 'logs');
  const address = `http://127.0.0.1:${s3.port}`;
  return [
    {
      name: 's3',
      mode: 'local',
      address,
      setting: 'LAKE_S3_ENDPOINT',
      ports: [{ port: s3.port, setting: 'WAGGLE_S3_PORT' }],
      dir,
      pidFile: join(dir, 'pid'),
      logFile: join(logsDir, 's3.log'),
      readyTimeoutMs: 20_000,
      stopGraceMs: 10_000,
      probe: () => probeS3(address),
      prepare: async (report) => {
        const binary = await resolveVersityGw(config.cacheDir, report);
        // the lake's bucket is a folder of the posix backend: it exists from the first start
        await Promise.all([ensureDir(join(dataDir, s3.bucket)), ensureDir(logsDir)]);
        return {
          command: binary,
          args: versityGwArgs({ port: s3.port, dataDir, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey }),
          cwd: dir,
          logFile: join(logsDir, 's3.log'),
          pidFile: join(dir, 'pid'),
        };
      },
    },
  ];
};
