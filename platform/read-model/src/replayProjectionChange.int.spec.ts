import { createLogger } from '@waggle/observability';
import { createProducer, createTopics, type ConsumedRecord } from '@waggle/kafka-bus';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { applyToDocuments } from './applyToDocuments.ts';
import type { VerificationReport } from './mongoCompareVersions.ts';
import { createMongoDocuments } from './mongoDocuments.ts';
import { createMongoOffsets } from './mongoOffsets.ts';
import { openReadModelDatabase } from './mongoReadModelDatabase.ts';
import { markApplied, noEventsApplied, type AppliedEvents, type ProjectedEvent } from './projectedEvent.ts';
import type { ReplayStatus } from './replayStatus.ts';
import { startReadModelService, type RunningReadModel } from './startReadModelService.ts';
import { defineRoute } from '@waggle/http';
import { z } from 'zod';

const stack = inject('stack');
const topic = uniqueName('orders');
const dbName = uniqueName('replay-projection-change');
const groupId = uniqueName('order-totals');
const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'replay-projection-change-test' });
const logger = createLogger({ service: 'replay-projection-change-test', level: 'silent' });

type Ordered = { readonly key: string; readonly amount: number };
/** Version 1 of the projection counts a key's orders; the changed one also sums their amounts (a new field from old events). */
type Totals = AppliedEvents & { readonly key: string; readonly orders: number; readonly amount?: number };

/** A small read model on the platform alone, with `sumsAmounts` standing for a change of its projection code. */
const startOrderTotals = (sumsAmounts: boolean): Promise<RunningReadModel> => {
  const database = openReadModelDatabase({ url: stack.mongoUrl, dbName });
  return startReadModelService<ProjectedEvent<Ordered>, { find: (key: string) => Promise<Totals | undefined> }>({
    name: 'order-totals',
    logger,
    info: { title: 'order-totals', version: '1.0.0' },
    kafkaBrokers: stack.kafkaBrokers,
    groupId,
    topics: [topic],
    port: 0,
    database,
    replay: { lagThreshold: 0 },
    decode: (record: ConsumedRecord<never>) => {
      const { key, amount, version } = JSON.parse(record.value?.toString('utf8') ?? '{}') as Ordered & { version: number };
      const occurredAt = new Date(record.timestamp).toISOString();
      return Promise.resolve({ event: { key, amount }, eventId: `${key}-${version}`, streamVersion: version, occurredAt });
    },
    openVersion: (names) => {
      const documents = createMongoDocuments<Totals>(database.db, names.collection('totals'), (t) => t.key);
      const offsets = createMongoOffsets(database.db, names.collection('offsets'));
      const apply = async (events: ProjectedEvent<Ordered>[]) =>
        void (await applyToDocuments(documents, events, {
          idOf: (e) => e.key,
          initial: (key): Totals => ({ ...noEventsApplied, key, orders: 0, ...(sumsAmounts ? { amount: 0 } : {}) }),
          evolve: (doc, e) => ({
            ...doc,
            ...markApplied(doc, e),
            orders: doc.orders + 1,
            ...(sumsAmounts ? { amount: (doc.amount ?? 0) + e.event.amount } : {}),
          }),
        }));
      return {
        start: () => Promise.resolve(),
        offsets: offsets.all,
        apply,
        handleBatch: async (records) => {
          const last = records.at(-1);
          if (last === undefined) return;
          const reflected = await offsets.reflected(last.topic, last.partition);
          await apply(
            records.flatMap((r) =>
              reflected !== undefined && Number(r.offset) <= reflected ? [] : r.event === undefined ? [] : [r.event],
            ),
          );
          await offsets.record({ topic: last.topic, partition: last.partition, offset: Number(last.offset) });
        },
        collections: ['totals'],
        queries: { find: async (key) => (await documents.load([key])).get(key)?.doc },
      };
    },
    routes: (serving) => [
      defineRoute({
        method: 'get',
        path: '/totals/:key',
        operationId: 'getTotals',
        summary: 'totals of a key',
        params: z.object({ key: z.string() }),
        responses: { 200: { description: 'totals' } },
        handler: async ({ params }) => ({ status: 200, body: (await (await serving()).find(params.key)) ?? null }),
      }),
    ],
  });
};

let service: RunningReadModel;
const call = async (method: 'GET' | 'POST', path: string) => {
  const response = await fetch(`${service.url}${path}`, { method });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> | null };
};
const status = async () => (await call('GET', '/api/v1/replays')).body as unknown as ReplayStatus;
const keys = ['k1', 'k2', 'k3', 'k4'];

beforeAll(async () => {
  await createTopics(stack.kafkaBrokers, [{ topic, partitions: 2 }]);
  await producer.start();
  await producer.send(
    keys.flatMap((key, k) =>
      [1, 2, 3].map((version) => ({ topic, key, value: Buffer.from(JSON.stringify({ key, amount: (k + 1) * 10 * version, version })) })),
    ),
  );
  service = await startOrderTotals(false);
  await waitFor(async () => (await call('GET', '/totals/k4')).body?.['orders'] === 3, {
    description: 'version 1 built',
    timeoutMs: 60_000,
  });
  // the projection code changes: the service restarts with it
  await service.stop();
  service = await startOrderTotals(true);
}, 90_000);

afterAll(async () => {
  await service?.stop();
  await producer.stop();
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
