import { createProducer, deadLetterHeaderNames, readTopicToEnd } from '@waggle/kafka-bus';
import { createLogger } from '@waggle/observability';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { seedOrders, startOrderTotals } from '../fixtures/orderTotals.ts';
import type { ReplayStatus } from './replayStatus.ts';
import type { RunningReadModel } from './startReadModelService.ts';

const stack = inject('stack');
const topic = uniqueName('orders');
const groupId = uniqueName('order-totals');
const logger = createLogger({ service: 'replay-poison-test', level: 'silent' });
const setup = { kafkaBrokers: stack.kafkaBrokers, mongoUrl: stack.mongoUrl, dbName: uniqueName('replay-poison'), groupId, topic, logger };
const keys = ['p1', 'p2', 'p3'];

let service: RunningReadModel;
const get = async (path: string) => (await (await fetch(`${service.url}${path}`)).json()) as Record<string, unknown> | null;
const status = async () => (await get('/api/v1/replays')) as unknown as ReplayStatus;
const dead = async () =>
  (await readTopicToEnd(stack.kafkaBrokers, `${topic}.dlq`)).map((r) => r.headers[deadLetterHeaderNames.consumerGroup]?.toString());

beforeAll(async () => {
  await seedOrders(stack.kafkaBrokers, topic, keys, 4);
  // two orders of another key, then a record nobody can decode: the last record of its partition
  const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'replay-poison-test' });
  await producer.start();
  await producer.send([
    ...[1, 2].map((version) => ({
      topic,
      partition: 1,
      key: 'p4',
      value: Buffer.from(JSON.stringify({ key: 'p4', amount: 1, version })),
    })),
    { topic, partition: 1, key: 'poison', value: Buffer.from('not json at all') },
  ]);
  await producer.stop();
  service = await startOrderTotals(setup, true);
  await waitFor(async () => (await get('/totals/p4'))?.['orders'] === 2 && (await dead()).length === 1, {
    description: 'version 1 built, the record dead-lettered',
    timeoutMs: 60_000,
  });
}, 90_000);

afterAll(async () => {
  await service?.stop();
});

describe('a rebuild over a topic holding a record it cannot decode', () => {
  it('goes on past it as version 1 did: the record dead-lettered for version 2 too, the versions equal', async () => {
    const begun = await fetch(`${service.url}/api/v1/replays`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ requireEqual: true }),
    });
    expect(begun.status).toBe(202);
    await waitFor(async () => (await status()).pointer.version === 2, { description: 'version 2 to serve', timeoutMs: 60_000 });

    const v2 = (await status()).versions.find((v) => v.version === 2);
    // the poison record ends its partition: counted as reached through the consumer's commit, not waited out
    expect(v2?.verification).toMatchObject({ equal: true, sameOffsets: true, timedOut: false });
    expect(await dead()).toEqual([groupId, `${groupId}.v2`]);
    for (const [key, orders] of [
      ['p1', 4],
      ['p2', 4],
      ['p3', 4],
      ['p4', 2],
    ] as const)
      expect(await get(`/totals/${key}`)).toMatchObject({ key, orders });
  }, 90_000);
});
