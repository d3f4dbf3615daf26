import { setTimeout as delay } from 'node:timers/promises';
import { uniqueName, waitFor } from '@waggle/testing';
import { describe, expect, inject, it } from 'vitest';
import { createConsumer } from './createConsumer.ts';
import { createProducer } from './createProducer.ts';
import { createTopics } from './createTopics.ts';
import { pinGroupStart } from './pinGroupStart.ts';

const stack = inject('stack');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const send = async (topic: string, values: string[]) => {
  const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'pin-test', logger: quiet });
  await producer.start();
  try {
    await producer.send(values.map((value) => ({ topic, key: value, value: Buffer.from(value) })));
  } finally {
    await producer.stop();
  }
};
/** What a group that starts at the topic's end (fromBeginning false) reads within a few seconds. */
const readAs = async (groupId: string, topic: string, expected: number): Promise<string[]> => {
  const seen: string[] = [];
  const consumer = createConsumer({
    brokers: stack.kafkaBrokers,
    groupId,
    clientId: 'pin-test',
    topics: [topic],
    fromBeginning: false,
    logger: quiet,
    handle: (record) => {
      seen.push(String(record.value));
      return Promise.resolve();
    },
  });
  await consumer.start();
  try {
    if (expected > 0) await waitFor(() => seen.length >= expected, { timeoutMs: 20_000, description: `${expected} records` });
    // long enough for anything more to arrive
    await delay(1_500);
  } finally {
    await consumer.stop();
  }
  return seen.sort();
};

describe('pinGroupStart', () => {
  it("keeps a new group's start where it was pinned, so records published before its first member joins are read", async () => {
    const topic = uniqueName('pin');
    await createTopics(stack.kafkaBrokers, [{ topic, partitions: 3 }]);
    await send(topic, ['old-1', 'old-2', 'old-3']);
    const pinned = uniqueName('pinned-group');
    expect((await pinGroupStart(stack.kafkaBrokers, pinned, topic)).sort()).toEqual([0, 1, 2]);
    // the crash window: published after the group was set up, before any member read or committed
    await send(topic, ['new-1', 'new-2']);
    expect(await readAs(pinned, topic, 2)).toEqual(['new-1', 'new-2']);
    // without the pin, a group that starts at the end misses them
    const unpinned = uniqueName('unpinned-group');
    expect(await readAs(unpinned, topic, 0)).toEqual([]);
  });

  it('leaves a group with committed offsets alone', async () => {
    const topic = uniqueName('pin-kept');
    await createTopics(stack.kafkaBrokers, [{ topic, partitions: 1 }]);
    const group = uniqueName('kept-group');
    await pinGroupStart(stack.kafkaBrokers, group, topic);
    await send(topic, ['a']);
    expect(await readAs(group, topic, 1)).toEqual(['a']);
    await send(topic, ['b']);
    expect(await pinGroupStart(stack.kafkaBrokers, group, topic)).toEqual([]);
    expect(await readAs(group, topic, 1)).toEqual(['b']);
  });
});
