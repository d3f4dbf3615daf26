import { createLogger } from '@waggle/observability';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedOrders, startOrderTotals } from '../fixtures/orderTotals.ts';
import type { VerificationReport } from './mongoCompareVersions.ts';
import type { ReplayStatus } from './replayStatus.ts';
import type { RunningReadModel } from './startReadModelService.ts';

const stack = inject('stack');
const topic = uniqueName('orders');
const dbName = uniqueName('replay-projection-change');
const groupId = uniqueName('order-totals');
const logger = createLogger({ service: 'replay-projection-change-test', level: 'silent' });

let service: RunningReadModel;
const call = async (method: 'GET' | 'POST', path: string) => {
  const response = await fetch(`${service.url}${path}`, { method });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> | null };
};
const status = async () => (await call('GET', '/api/v1/replays')).body as unknown as ReplayStatus;
const keys = ['k1', 'k2', 'k3', 'k4'];

const setup = { kafkaBrokers: stack.kafkaBrokers, mongoUrl: stack.mongoUrl, dbName, groupId, topic, logger };

beforeAll(async () => {
  await seedOrders(stack.kafkaBrokers, topic, keys, 3);
  service = await startOrderTotals(setup, false);
  await waitFor(async () => (await call('GET', '/totals/k4')).body?.['orders'] === 3, {
    description: 'version 1 built',
    timeoutMs: 60_000,
  });
  // the projection code changes: the service restarts with it
  await service.stop();
  service = await startOrderTotals(setup, true);
}, 90_000);

afterAll(async () => {
  await service?.stop();
});

describe('a read model whose projection gained a field', () => {
  it('is rebuilt with the field, refused under --require-equal with the difference shown, switched, and rolled back to the old answers', async () => {
    expect((await call('GET', '/totals/k2')).body).toMatchObject({ orders: 3 });
    expect((await call('GET', '/totals/k2')).body).not.toHaveProperty('amount');

    await fetch(`${service.url}/api/v1/replays`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"requireEqual":true}',
    });
    await waitFor(async () => (await status()).versions.find((v) => v.version === 2)?.state === 'ready', {
      description: 'version 2 caught up and its switch refused',
      timeoutMs: 60_000,
    });
    const refused = (await status()).versions.find((v) => v.version === 2);
    expect(refused?.note).toContain('switch refused');
    expect(refused?.verification).toMatchObject({ equal: false, sameOffsets: true });
    const totals = refused?.verification?.collections[0];
    expect(totals).toMatchObject({ collection: 'totals', serving: 4, candidate: 4 });
    expect(totals?.examples.map((e) => [e.id, e.kind, e.fields])).toContainEqual([
      'k2',
      'different',
      [{ field: 'amount', serving: null, candidate: 120 }],
    ]);
    expect((await status()).pointer.version).toBe(1);

    const switched = (await call('POST', '/api/v1/replays/switch')).body as unknown as VerificationReport;
    expect(switched).toMatchObject({ candidateVersion: 2, equal: false });
    expect((await call('GET', '/totals/k2')).body).toMatchObject({ orders: 3, amount: 120 });

    expect((await call('POST', '/api/v1/replays/rollback')).body).toEqual({ from: 2, to: 1 });
    expect((await call('GET', '/totals/k2')).body).not.toHaveProperty('amount');
    expect((await status()).versions.map((v) => [v.version, v.state, v.serving])).toEqual([
      [1, 'serving', true],
      [2, 'previous', false],
    ]);
  }, 120_000);
});
