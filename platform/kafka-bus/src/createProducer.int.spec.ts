import { uniqueName, waitFor } from '@waggle/testing';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { createProducer } from './createProducer.ts';
import { createTopics } from './createTopics.ts';

const stack = inject('stack');
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('a batching idempotent producer', () => {
  it('acknowledges 1,000 concurrent sends and keeps per-key order', async () => {
    const topic = uniqueName('producer-order');
    await createTopics(stack.kafkaBrokers, [{ topic, partitions: 3 }], { logger: quiet });
    const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'producer-order', logger: quiet });
    await producer.start();
    const keys = ['LH400', 'LH401', 'BA117', 'AF1234', 'KL641'];
    const sends = Array.from({ length: 1000 }, (_, n) =>
      producer.send([{ topic, key: keys[n % keys.length] ?? 'x', value: Buffer.from(String(n)), headers: { seq: String(n) } }]),
    );
    await Promise.all(sends);
    await producer.stop();

    const received: KafkaMessage[] = [];
    const kafka = new Kafka({ clientId: 'producer-order-check', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: uniqueName('producer-order-check'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        received.push(message);
        return Promise.resolve();
      },
    });
    await waitFor(() => received.length >= 1000, { description: '1,000 records', timeoutMs: 40_000 });
    await consumer.disconnect();

    expect(received).toHaveLength(1000);
    const perKey = new Map<string, number[]>();
    for (const message of received) {
      const key = message.key?.toString() ?? '';
      perKey.set(key, [...(perKey.get(key) ?? []), Number(message.value?.toString())]);
    }
    expect([...perKey.keys()].sort()).toEqual([...keys].sort());
    for (const [key, values] of perKey) {
      expect(values, `order of ${key}`).toEqual([...values].sort((a, b) => a - b));
      expect(values).toHaveLength(200);
    }
  });

  it('fails only the caller with a bad record, with a non-retriable error, when calls share a batch', async () => {
    const topic = uniqueName('producer-isolate');
    await createTopics(stack.kafkaBrokers, [{ topic, partitions: 1 }], { logger: quiet });
    const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'producer-isolate', lingerMs: 20, logger: quiet });
    await producer.start();
    try {
      const outcomes = await Promise.allSettled([
        producer.send([{ topic, key: 'k', value: Buffer.from('1') }]),
        producer.send([{ topic: 'not a valid topic!', key: 'k', value: Buffer.from('2') }]),
        producer.send([{ topic, key: 'k', value: Buffer.from('3') }]),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      expect(outcomes[1]).toMatchObject({ reason: { retriable: false, message: expect.stringMatching(/invalid topic/) as unknown } });
    } finally {
      await producer.stop();
    }
  });

  it('flushes pending records on stop and refuses sends afterwards', async () => {
    const topic = uniqueName('producer-stop');
    await createTopics(stack.kafkaBrokers, [{ topic, partitions: 1 }], { logger: quiet });
    const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'producer-stop', lingerMs: 60_000, logger: quiet });
    await producer.start();
    const pending = producer.send([{ topic, key: 'k', value: Buffer.from('v') }]);
    await producer.stop();
    await expect(pending).resolves.toBeUndefined();
    await expect(producer.send([{ topic, key: 'k', value: null }])).rejects.toThrow(/stopped/);

    const kafka = new Kafka({ clientId: 'producer-stop-check', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const [end] = await admin.fetchTopicOffsets(topic);
    await admin.disconnect();
    expect(end?.high).toBe('1');
  });
});
