import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { freePort, runCli } from '@waggle/testing';
import { mkdtemp, readdir, readFile, symlink, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

const shared = inject('stack');
const sharedEnv = { KAFKA_BROKERS: shared.kafkaBrokers, SCHEMA_REGISTRY_URL: shared.schemaRegistryUrl, MONGO_URL: shared.mongoUrl };

/** The environment of a newcomer's shell: none of the three settings, a stack folder of its own. */
const freshEnv = async (extra: Record<string, string> = {}): Promise<NodeJS.ProcessEnv> => {
  const env: NodeJS.ProcessEnv = { ...process.env, WAGGLE_STATE_DIR: await mkdtemp(join(tmpdir(), 'waggle-stack-')), ...extra };
  for (const key of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'MONGO_URL']) if (!(key in extra)) delete env[key];
  return env;
};

const processesMentioning = async (marker: string): Promise<string[]> => {
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) found.push(`${pid}: ${cmdline.replaceAll('\0', ' ').slice(0, 120)}`);
  }
  return found;
};

describe('waggle stack', () => {
  it('prints the three settings for eval, exported so that the programs the shell starts see them', async () => {
    const run = await runCli(['stack', 'env'], { env: await freshEnv({ WAGGLE_MONGO_PORT: '27018' }) });
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual([
      "export KAFKA_BROKERS='127.0.0.1:9092'",
      "export SCHEMA_REGISTRY_URL='http://127.0.0.1:8081/apis/ccompat/v7'",
      "export MONGO_URL='mongodb://127.0.0.1:27018/?directConnection=true'",
    ]);
    const { stdout } = await promisify(execFile)('bash', ['-c', `${run.stdout}\nnode -e 'console.log(process.env.MONGO_URL)'`]);
    expect(stdout.trim()).toBe('mongodb://127.0.0.1:27018/?directConnection=true');
  });

  it('exits 2 on an unknown verb or a bad setting', async () => {
    expect((await runCli(['stack', 'frobnicate'])).code).toBe(2);
    const bad = await runCli(['stack', 'up'], { env: await freshEnv({ MONGO_URL: 'http://not-mongo' }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/MONGO_URL/);
  });

  describe('given the three settings point at running servers', () => {
    it('starts nothing and reports each as external', async () => {
      const env = await freshEnv(sharedEnv);
      const run = await runCli(['stack', 'up'], { env });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout.match(/ external /g)).toHaveLength(3);
      expect(await processesMentioning(env['WAGGLE_STATE_DIR'] ?? '?')).toEqual([]);
    });

    it('fails with one line naming the setting when a server does not answer', async () => {
      const run = await runCli(['stack', 'up'], { env: await freshEnv({ ...sharedEnv, KAFKA_BROKERS: `127.0.0.1:${await freePort()}` }) });
      expect(run.code).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^waggle: KAFKA_BROKERS=127\.0\.0\.1:\d+ does not answer/);
    });
  });

  describe('given a port is already taken', () => {
    it('names the port and the process holding it', async () => {
      const port = new URL(`kafka://${shared.kafkaBrokers.split(',')[0]}`).port;
      const run = await runCli(['stack', 'up'], {
        env: await freshEnv({ SCHEMA_REGISTRY_URL: shared.schemaRegistryUrl, MONGO_URL: shared.mongoUrl, WAGGLE_KAFKA_PORT: port }),
      });
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toMatch(
        new RegExp(`^waggle: port ${port} for kafka is already in use by \\S+ \\(pid \\d+\\); stop that process or set WAGGLE_KAFKA_PORT`),
      );
    });
  });

  describe('given no Java on PATH', () => {
    it('says what to install and mentions docker compose', async () => {
      const bin = await mkdtemp(join(tmpdir(), 'waggle-bin-'));
      await mkdir(bin, { recursive: true });
      await symlink(process.execPath, join(bin, 'node'));
      const run = await runCli(['stack', 'up'], {
        env: await freshEnv({
          SCHEMA_REGISTRY_URL: shared.schemaRegistryUrl,
          MONGO_URL: shared.mongoUrl,
          WAGGLE_KAFKA_PORT: String(await freePort()),
          WAGGLE_KAFKA_CONTROLLER_PORT: String(await freePort()),
          PATH: bin,
        }),
      });
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toMatch(
        /^waggle: Java 17\+ is not installed .*apt-get install openjdk-17.*docker compose -f docker-compose\.kafka\.yml up -d$/,
      );
    });
  });

  describe('given a stack of its own on free ports', () => {
    it('starts, is idempotent, keeps schemas across a restart and leaves no process after down', { timeout: 240_000 }, async () => {
      const env = await freshEnv({
        WAGGLE_KAFKA_PORT: String(await freePort()),
        WAGGLE_KAFKA_CONTROLLER_PORT: String(await freePort()),
        WAGGLE_REGISTRY_PORT: String(await freePort()),
        WAGGLE_REGISTRY_MANAGEMENT_PORT: String(await freePort()),
        WAGGLE_MONGO_PORT: String(await freePort()),
      });
      const stateDir = env['WAGGLE_STATE_DIR'] ?? '?';
      const registryUrl = `http://127.0.0.1:${env['WAGGLE_REGISTRY_PORT']}/apis/ccompat/v7`;
      try {
        const first = await runCli(['stack', 'up'], { env, timeoutMs: 200_000 });
        expect(first.code, first.stderr).toBe(0);
        expect(first.stdout.match(/^\w+ +started \(pid \d+\)/gm)).toHaveLength(3);

        const again = await runCli(['stack', 'up'], { env });
        expect(again.code).toBe(0);
        expect(again.stdout).toMatch(/stack already up; nothing to do/);
        expect(again.stdout.match(/already running/g)).toHaveLength(3);

        const status = await runCli(['stack', 'status'], { env });
        expect(status.code).toBe(0);
        expect(status.stdout.match(/running pid \d+ .* answering +\d+ MiB/g)).toHaveLength(3);

        const schema = JSON.stringify({ type: 'record', name: 'Kept', namespace: 'waggle.smoke', fields: [{ name: 'n', type: 'int' }] });
        const { id } = await new SchemaRegistry({ host: registryUrl }).register(
          { type: SchemaType.AVRO, schema },
          { subject: 'kept-waggle.smoke.Kept' },
        );

        const down = await runCli(['stack', 'down'], { env });
        expect(down.code).toBe(0);
        expect(await processesMentioning(stateDir)).toEqual([]);
        const stopped = await runCli(['stack', 'status'], { env });
        expect(stopped.code).toBe(1);
        expect(stopped.stdout.match(/ stopped /g)).toHaveLength(3);

        const restart = await runCli(['stack', 'up'], { env, timeoutMs: 200_000 });
        expect(restart.code, restart.stderr).toBe(0);
        expect(await new SchemaRegistry({ host: registryUrl }).getRegistryId('kept-waggle.smoke.Kept', 'latest')).toBe(id);
      } finally {
        await runCli(['stack', 'down'], { env });
      }
      expect(await processesMentioning(stateDir)).toEqual([]);
    });
  });

  describe('given WAGGLE_S3=1 on a stack whose other servers are external', () => {
    it('starts the S3 server, shows it and stops it even when a later shell has no WAGGLE_S3', { timeout: 600_000 }, async () => {
      const port = String(await freePort());
      const env = await freshEnv({ ...sharedEnv, WAGGLE_S3: '1', WAGGLE_S3_PORT: port });
      const stateDir = env['WAGGLE_STATE_DIR'] ?? '?';
      const without = { ...env };
      delete without['WAGGLE_S3'];
      try {
        // the first run may build versitygw with Go
        const up = await runCli(['stack', 'up'], { env, timeoutMs: 580_000 });
        expect(up.code, up.stderr).toBe(0);
        expect(up.stdout).toMatch(/^s3 +started \(pid \d+\)/m);
        expect(up.stdout.match(/ external /g)).toHaveLength(3);
        const lakeEnv = await runCli(['stack', 'env'], { env });
        expect(lakeEnv.stdout).toContain(`export LAKE_S3_ENDPOINT='http://127.0.0.1:${port}'`);
        expect(lakeEnv.stdout).toContain("export LAKE_URL='s3://waggle-lake/lake'");

        const status = await runCli(['stack', 'status'], { env: without });
        expect(status.stdout).toMatch(/^s3 +running pid \d+ .* answering/m);

        const down = await runCli(['stack', 'down'], { env: without });
        expect(down.code, down.stderr).toBe(0);
        expect(down.stdout).toMatch(/s3/);
        expect(await processesMentioning(stateDir)).toEqual([]);
        const after = await runCli(['stack', 'status'], { env: without });
        expect(after.stdout).not.toMatch(/^s3/m);
      } finally {
        await runCli(['stack', 'down'], { env });
      }
      expect(await processesMentioning(stateDir)).toEqual([]);
    });
  });
});
