import { createLogger } from '@waggle/observability';
import { seedOrders, startOrderTotals } from '@waggle/read-model/fixtures/orderTotals';
import type { RunningReadModel } from '@waggle/read-model';
import { describeGroupOffsets } from '@waggle/kafka-bus';
import { runCli, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const stack = inject('stack');
const topic = uniqueName('orders');
const groupId = uniqueName('replay-cli');
const keys = Array.from({ length: 200 }, (_, i) => `key-${i}`);
let service: RunningReadModel;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  await seedOrders(stack.kafkaBrokers, topic, keys, 20);
  service = await startOrderTotals(
    {
      kafkaBrokers: stack.kafkaBrokers,
      mongoUrl: stack.mongoUrl,
      dbName: uniqueName('replay-cli'),
      groupId,
      topic,
      logger: createLogger({ service: 'replay-cli-test', level: 'silent' }),
    },
    false,
  );
  // the CLI finds a read model through <NAME>_URL: this small one stands in for flight-search
  env = { ...process.env, FLIGHT_SEARCH_URL: service.url };
}, 60_000);

afterAll(() => service?.stop());

describe('waggle replay', () => {
  it('refuses a context and a saga with the reason, as bad usage', async () => {
    const context = await runCli(['replay', 'bookings'], { env });
    expect(context.code).toBe(2);
    expect(context.stderr).toContain('bookings is a bounded context: its consumer groups are reactions that issue commands');
    expect(context.stderr).toContain('rebuilds read models only: flight-search, customer-bookings, loyalty-balance, route-revenue-daily');
    const saga = await runCli(['replay', 'saga-coordinator'], { env });
    expect(saga.code).toBe(2);
    expect(saga.stderr).toContain('Sagas are never replayed');
  });

  it('rebuilds with progress per partition, reports the verification, switches, shows the versions and rolls back', async () => {
    const run = await runCli(['replay', 'flight-search', '--lag-threshold', '0'], { env, timeoutMs: 120_000 });
    expect(run.stderr).toContain('rebuilding flight-search as v2 from its topics');
    expect(run.stderr).toMatch(new RegExp(`${topic}/[01]: \\d+/\\d+ events \\(\\d+%\\), \\d+ events/s, ETA `));
    expect(run.stdout).toContain('verification of v2 against v1: EQUAL, compared at the same offsets');
    expect(run.stdout).toMatch(/totals: 200 vs 200 documents, 16\/16 parts of the key space equal/);
    expect(run.stdout).toContain('switched: flight-search serves v2 (v1 is kept for `waggle replay rollback flight-search`)');
    expect(run.code).toBe(0);
    if (process.env['REPLAY_CLI_ECHO'] === '1') console.log(run.stderr, run.stdout);

    const status = await runCli(['replay', 'status', 'flight-search'], { env });
    expect(status.code).toBe(0);
    // the table names the read model as the service answering calls itself
    expect(status.stdout).toMatch(/order-totals\s+v1\s+previous\s.*\s200\s.*kept until /);
    expect(status.stdout).toMatch(/order-totals\s+v2\s+serving \*\s+\S+\.v2\s/);

    const rollback = await runCli(['replay', 'rollback', 'flight-search'], { env });
    expect(rollback.stdout).toContain('rolled back: flight-search serves v1 again (v2 is kept as the previous version)');
    const json = JSON.parse((await runCli(['replay', 'status', 'flight-search', '--json'], { env })).stdout) as {
      pointer: { version: number };
    };
    expect(json.pointer.version).toBe(1);
  }, 180_000);

  it('stops a rebuild at caught-up with --no-switch, refuses a second one meanwhile, and discards it', async () => {
    const built = await runCli(['replay', 'flight-search', '--no-switch', '--lag-threshold', '0'], { env, timeoutMs: 120_000 });
    expect(built.stdout).toContain('v3 of flight-search is ready: caught up; --no-switch');
    const second = await runCli(['replay', 'flight-search'], { env });
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('a replay is already ready as version 3');
    const discarded = await runCli(['replay', 'discard', 'flight-search'], { env });
    expect(discarded.stdout).toContain('discarded v3 of flight-search');
    const json = JSON.parse((await runCli(['replay', 'status', 'flight-search', '--json'], { env })).stdout) as {
      pointer: { version: number };
      versions: { version: number; state: string }[];
    };
    expect(json.pointer.version).toBe(1);
    expect(json.versions.find((v) => v.version === 3)?.state).toBe('retired');
    // the discarded version's consumer group is deleted from Kafka, offsets and all, once its consumer stopped
    await waitFor(
      async () => {
        const group = await describeGroupOffsets(stack.kafkaBrokers, `${groupId}.v3`);
        return group.state === 'Dead' && group.partitions.length === 0;
      },
      { timeoutMs: 30_000, intervalMs: 500, description: `consumer group ${groupId}.v3 to be deleted` },
    );
    const after = JSON.parse((await runCli(['replay', 'status', 'flight-search', '--json'], { env })).stdout) as {
      versions: { version: number; groupDeletedAt?: string }[];
    };
    expect(after.versions.find((v) => v.version === 3)?.groupDeletedAt).toEqual(expect.any(String));
    // the serving version's group stays
    expect((await describeGroupOffsets(stack.kafkaBrokers, groupId)).partitions.length).toBeGreaterThan(0);
  }, 180_000);
});
