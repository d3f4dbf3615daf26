import { TransientError } from '@waggle/errors';
import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConsumedRecord } from './consumedRecord.ts';
import { createConsumer, type Consumer } from './createConsumer.ts';
import { createProducer, type ProducerRecord } from './createProducer.ts';
import { createTopics } from './createTopics.ts';

const brokers = inject('stack').kafkaBrokers;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const producer = createProducer({ brokers, clientId: 'key-concurrency-producer', logger: quiet });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
/** `count` records round-robin over the keys, on one partition: `n` counts per key from 0. */
const records = (topic: string, count: number): ProducerRecord[] =>
  Array.from({ length: count }, (_, i) => ({
    topic,
    partition: 0,
    key: keys[i % keys.length]!,
    value: Buffer.from(JSON.stringify({ n: Math.floor(i / keys.length) })),
  }));
const nOf = (record: ConsumedRecord): number => (JSON.parse(record.value?.toString() ?? '{}') as { n: number }).n;
const keyOf = (record: ConsumedRecord): string => record.key?.toString() ?? '';

/** Counts what a handler saw: effects per key in order, and how many ran at once, overall and per key. */
const createOracle = () => {
  const effects = new Map<string, number[]>();
  const active = new Map<string, number>();
  let now = 0;
  let most = 0;
  let mostOfOneKey = 0;
  return {
    effects,
    most: () => most,
    mostOfOneKey: () => mostOfOneKey,
    count: () => [...effects.values()].reduce((sum, list) => sum + list.length, 0),
    enter: (key: string) => {
      now += 1;
      most = Math.max(most, now);
      active.set(key, (active.get(key) ?? 0) + 1);
      mostOfOneKey = Math.max(mostOfOneKey, active.get(key)!);
    },
    leave: (key: string, n: number | undefined) => {
      now -= 1;
      active.set(key, active.get(key)! - 1);
      if (n !== undefined) effects.set(key, [...(effects.get(key) ?? []), n]);
    },
  };
};

const running: Consumer[] = [];
const started = async (consumer: Consumer): Promise<Consumer> => {
  running.push(consumer);
  await consumer.start();
  return consumer;
};

beforeAll(async () => {
  await producer.start();
});
afterAll(async () => {
  for (const consumer of running) await consumer.stop();
  await producer.stop();
});

describe('a consumer whose partition holds many keys', () => {
  it('handles different keys at the same time, each key one record after the other and in order', async () => {
    const topic = uniqueName('keys-at-once');
    await createTopics(brokers, [{ topic, partitions: 1 }], { logger: quiet });
    await producer.send(records(topic, 200));
    const oracle = createOracle();
    const consumer = await started(
      createConsumer({
        brokers,
        groupId: uniqueName('keys-at-once'),
        clientId: 'keys-at-once',
        topics: [topic],
        fromBeginning: true,
        logger: quiet,
        handle: async (record) => {
          oracle.enter(keyOf(record));
          await sleep(5);
          oracle.leave(keyOf(record), nOf(record));
        },
      }),
    );
    await waitFor(async () => (await consumer.lag()).every((p) => p.lag === 0), { description: 'lag 0', timeoutMs: 30_000 });

    expect(oracle.count()).toBe(200);
    for (const key of keys) expect(oracle.effects.get(key), `key ${key}`).toEqual(Array.from({ length: 25 }, (_, n) => n));
    expect(oracle.mostOfOneKey()).toBe(1);
    expect(oracle.most()).toBeGreaterThan(1);
  });

  it('commits only through records handled without a gap: a slow first record holds the commit back', async () => {
    const topic = uniqueName('keys-prefix');
    await createTopics(brokers, [{ topic, partitions: 1 }], { logger: quiet });
    await producer.send(records(topic, 40));
    let release: () => void = () => undefined;
    const slowFirst = new Promise<void>((resolve) => (release = resolve));
    const handled = new Set<string>();
    const consumer = await started(
      createConsumer({
        brokers,
        groupId: uniqueName('keys-prefix'),
        clientId: 'keys-prefix',
        topics: [topic],
        fromBeginning: true,
        logger: quiet,
        handle: async (record) => {
          if (record.offset === '0') await slowFirst;
          handled.add(record.offset);
        },
      }),
    );
    // every other key's records are through while offset 0 (key a) is still in its handler
    await waitFor(() => handled.size === 35, { description: 'the 35 records of the other keys' });
    await sleep(1500);
    expect(handled.has('0')).toBe(false);
    expect(handled.has('8')).toBe(false); // key a's next record waits behind offset 0
    const [held] = await consumer.lag();
    expect(held?.lag).toBe(40);
    release();
    await waitFor(async () => (await consumer.lag()).every((p) => p.lag === 0), { description: 'lag 0 after the slow record' });
    expect(handled.size).toBe(40);
  });

  it('retries a failing record of one key without reordering it or its key, and every record has its effect', async () => {
    const topic = uniqueName('keys-retry');
    await createTopics(brokers, [{ topic, partitions: 1 }], { logger: quiet });
    await producer.send(records(topic, 160));
    const oracle = createOracle();
    let failures = 0;
    const consumer = await started(
      createConsumer({
        brokers,
        groupId: uniqueName('keys-retry'),
        clientId: 'keys-retry',
        topics: [topic],
        fromBeginning: true,
        retryBaseMs: 50,
        retryMaxMs: 100,
        logger: quiet,
        handle: async (record) => {
          const key = keyOf(record);
          const n = nOf(record);
          oracle.enter(key);
          await sleep(2);
          if (key === 'c' && n === 7 && failures < 3) {
            failures += 1;
            oracle.leave(key, undefined);
            throw new TransientError('the store is away');
          }
          // an idempotent effect: a redelivered record already applied adds nothing
          const applied = oracle.effects.get(key) ?? [];
          oracle.leave(key, applied.includes(n) ? undefined : n);
        },
      }),
    );
    await waitFor(async () => (await consumer.lag()).every((p) => p.lag === 0), { description: 'lag 0', timeoutMs: 30_000 });

    expect(failures).toBe(3);
    expect(oracle.mostOfOneKey()).toBe(1);
    for (const key of keys) expect(oracle.effects.get(key), `key ${key}`).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  it(
    'a batch of one key that outlasts the session timeout keeps the member in its group: each record handled once',
    { timeout: 90_000 },
    async () => {
      const topic = uniqueName('keys-long-batch');
      await createTopics(brokers, [{ topic, partitions: 1 }], { logger: quiet });
      // one key, as a fork's task commands of one execution: 150 × 60 ms = 9 s, past the 6 s session timeout
      const count = 150;
      await producer.send(
        Array.from({ length: count }, (_, n) => ({ topic, partition: 0, key: 'one', value: Buffer.from(JSON.stringify({ n })) })),
      );
      const seen: number[] = [];
      const consumer = await started(
        createConsumer({
          brokers,
          groupId: uniqueName('keys-long-batch'),
          clientId: 'keys-long-batch',
          topics: [topic],
          fromBeginning: true,
          sessionTimeoutMs: 6_000,
          logger: quiet,
          handle: async (record) => {
            await sleep(60);
            seen.push(nOf(record));
          },
        }),
      );
      await waitFor(async () => (await consumer.lag()).every((p) => p.lag === 0), { description: 'lag 0', timeoutMs: 60_000 });
      await sleep(1_000);

      // evicted mid-batch, its records would come again after the rejoin
      expect(seen).toEqual(Array.from({ length: count }, (_, n) => n));
    },
  );
});
