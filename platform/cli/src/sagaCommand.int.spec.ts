import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runCli, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const stack = inject('stack');
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
let coordinator: ChildProcess;
let env: NodeJS.ProcessEnv;
let dir: string;
// no worker serves this type: executions stay RUNNING until an operator acts
const definition = { name: 'cli_saga', version: 1, tasks: [{ name: 'cli_task', taskReferenceName: 'only', type: 'SIMPLE' }] };

beforeAll(async () => {
  const port = await freePort();
  coordinator = spawn(process.execPath, ['--import', 'tsx', 'saga-coordinator/src/service/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      MONGO_URL: stack.mongoUrl,
      MONGO_DB: uniqueName('saga-cli'),
      PORT: String(port),
      SAGA_TOPIC_PREFIX: uniqueName('sagacli'),
      SAGA_PARTITIONS: '2',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  env = { ...process.env, SAGA_COORDINATOR_URL: `http://127.0.0.1:${port}` };
  await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => undefined))?.ok, { timeoutMs: 60_000 });
  dir = await mkdtemp(join(tmpdir(), 'saga-cli-'));
  await writeFile(join(dir, 'good.json'), JSON.stringify(definition));
  await writeFile(
    join(dir, 'bad.json'),
    JSON.stringify({ name: 'bad', tasks: [{ name: 'x', taskReferenceName: 'x', type: 'JOIN', joinOn: [] }] }),
  );
}, 90_000);
afterAll(() => {
  coordinator?.kill('SIGTERM');
});

describe('waggle workflows and waggle saga', () => {
  it('validate names each problem of a bad definition with its path and exits 2', async () => {
    const run = await runCli(['workflows', 'validate', join(dir, 'bad.json')], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('$.tasks[0].joinOn');
  });

  it('registers a definition (exit 1 the second time), lists it', async () => {
    expect((await runCli(['workflows', 'register', join(dir, 'good.json')], { env })).stdout).toBe('registered cli_saga v1\n');
    expect((await runCli(['workflows', 'register', join(dir, 'good.json')], { env })).code).toBe(1);
    const list = await runCli(['workflows', 'list', '--json'], { env });
    // beside the airline's bundled definitions, which the coordinator registers at start
    const listed = JSON.parse(list.stdout) as { name: string; version: number }[];
    expect(listed.filter((d) => d.name === 'cli_saga')).toEqual([expect.objectContaining({ name: 'cli_saga', version: 1 })]);
    expect(listed.map((d) => d.name)).toEqual(expect.arrayContaining(['book-flight', 'cancel-booking']));
  });

  it('starts, shows, pauses, resumes and terminates executions; a bulk action reports each id and exits 1 when one is refused', async () => {
    const first = JSON.parse((await runCli(['saga', 'start', 'cli_saga', '--input', '{"a":1}', '--json'], { env })).stdout) as {
      workflowId: string;
    };
    const second = (await runCli(['saga', 'start', 'cli_saga', '--idempotency-key', 'k-1'], { env })).stdout.trim();
    expect((await runCli(['saga', 'start', 'cli_saga', '--idempotency-key', 'k-1'], { env })).stdout.trim()).toBe(second);
    const shown = JSON.parse((await runCli(['saga', 'show', first.workflowId, '--json'], { env })).stdout) as {
      status: string;
      input: unknown;
    };
    expect(shown).toMatchObject({ status: 'RUNNING', input: { a: 1 } });
    expect(
      (await runCli(['saga', 'pause', first.workflowId, '--reason', 'cli pause'], { env: { ...env, WAGGLE_OPERATOR: 'cli-op' } })).code,
    ).toBe(0);
    expect((await runCli(['saga', 'show', first.workflowId], { env })).stdout).toContain('PAUSED');
    // who and why, as the execution's history recorded them
    const paused = JSON.parse((await runCli(['saga', 'show', first.workflowId, '--json'], { env })).stdout) as {
      operatorActions?: { action: string; actor: string; reason?: string }[];
    };
    expect(paused.operatorActions).toMatchObject([{ action: 'PauseWorkflow', actor: 'cli-op', reason: 'cli pause' }]);
    const resumeRunning = await runCli(['saga', 'resume', second], { env });
    expect(resumeRunning.code).toBe(1);
    expect(resumeRunning.stderr).toContain('is not PAUSED so cannot resume');
    const terminate = await runCli(['saga', 'terminate', first.workflowId, 'no-such-id', second, '--reason', 'cli test'], { env });
    expect(terminate.code).toBe(1);
    expect(terminate.stderr).toContain('[2/3] no-such-id: No such workflow found by id: no-such-id');
    const listed = JSON.parse((await runCli(['saga', 'list', '--status', 'TERMINATED', '--json'], { env })).stdout) as {
      results: { workflowId: string }[];
    };
    expect(listed.results.map((r) => r.workflowId).sort()).toEqual([first.workflowId, second].sort());
    expect((await runCli(['saga', 'show', 'no-such-id'], { env })).code).toBe(2);

    // remove: refused while running (exit 1), --terminate ends it first; removed ones are gone (show exits 2)
    const third = (await runCli(['saga', 'start', 'cli_saga'], { env })).stdout.trim();
    const refused = await runCli(['saga', 'remove', third], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('terminate it before removing it, or use terminate-remove');
    const removed = await runCli(['saga', 'remove', first.workflowId, second, '--reason', 'cli cleanup'], { env });
    expect(removed.code, removed.stderr).toBe(0);
    expect((await runCli(['saga', 'remove', third, '--terminate'], { env })).code).toBe(0);
    for (const id of [first.workflowId, second, third]) expect((await runCli(['saga', 'show', id], { env })).code).toBe(2);
  });
});
