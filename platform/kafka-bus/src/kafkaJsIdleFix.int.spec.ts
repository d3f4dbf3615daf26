import { uniqueName, waitFor } from '@waggle/testing';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createConsumer } from './createConsumer.ts';
import { createProducer } from './createProducer.ts';
import { createTopics } from './createTopics.ts';

const stack = inject('stack');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

/** Timers armed anywhere in the process during `ms`, by their delay. */
const timersArmedDuring = async (ms: number): Promise<number[]> => {
  const delays: number[] = [];
  const original = globalThis.setTimeout;
  const counting = ((handler: () => void, timeout?: number) => {
    delays.push(timeout ?? 0);
    return original(handler, timeout);
  }) as typeof setTimeout;
  globalThis.setTimeout = counting;
  try {
    await new Promise((resolve) => original(resolve, ms));
  } finally {
    globalThis.setTimeout = original;
  }
  return delays;
};

describe('kafkajs idle loop fix', () => {
  const topic = uniqueName('idle-fix');
  const received: number[] = [];
  const consumer = createConsumer({
    brokers: stack.kafkaBrokers,
    groupId: uniqueName('idle-fix-group'),
    clientId: 'idle-fix',
    topics: [topic],
    fromBeginning: true,
    logger: quiet,
    handle: (record) => {
      received.push(Number(record.value?.toString()));
      return Promise.resolve();
    },
  });
  const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'idle-fix-producer', logger: quiet });

  afterAll(async () => {
    await consumer.stop();
    await producer.stop();
  });

  it('given an idle consumer and producer, when a second passes, then their connections arm a handful of timers, not one per millisecond', async () => {
    await createTopics(stack.kafkaBrokers, [{ topic, partitions: 2 }]);
    await producer.start();
    await consumer.start();
    await producer.send([{ topic, key: 'k', value: Buffer.from('1') }]);
    await waitFor(() => received.length === 1, { description: 'the first record handled' });

    const delays = await timersArmedDuring(1000);

    // kafkajs 2.2.4 re-arms a 1 ms check on every broker connection (consumer, its coordinator, producer, admin):
    // thousands a second; fetches (maxWaitTime), heartbeats and sessions account for a few dozen
    expect(delays.length).toBeLessThan(200);
    expect(delays.filter((d) => d <= 1).length).toBeLessThan(50);
  });

  it('given the fix, when records are produced and consumed after the idle second, then every one arrives in order', async () => {
    await producer.send(Array.from({ length: 50 }, (_, i) => ({ topic, key: 'k', value: Buffer.from(String(i + 2)) })));
    await waitFor(() => received.length === 51, { description: '51 records handled' });
    expect(received).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
  });
});
