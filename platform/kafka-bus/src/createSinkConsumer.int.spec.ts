import { uniqueName, waitFor } from '@waggle/testing';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createProducer } from './createProducer.ts';
import { createSinkConsumer, type SinkBatch, type SinkConsumer } from './createSinkConsumer.ts';
import { createTopics } from './createTopics.ts';

const brokers = inject('stack').kafkaBrokers;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const records = 3_000;

/** A topic of one partition holding offsets 0..records-1 in 60 record batches of 50 (a fetch returns whole record batches). */
const seededTopic = async (): Promise<string> => {
  const topic = `${uniqueName('sinkconsumer')}.events`;
  await createTopics(brokers, [{ topic, partitions: 1 }]);
  const producer = createProducer({ brokers, clientId: 'sink-consumer-test', logger: quiet });
  await producer.start();
  try {
    for (let from = 0; from < records; from += 50) {
      await producer.send(Array.from({ length: 50 }, (_, i) => ({ topic, key: 'k', value: Buffer.from(`${from + i}`.padEnd(200, '.')) })));
    }
  } finally {
    await producer.stop();
  }
  return topic;
};

let consumer: SinkConsumer | undefined;
afterEach(async () => {
  await consumer?.stop();
  consumer = undefined;
});

/** Starts a sink consumer on `topic` fetching little at a time (4 KiB per partition: one record batch of 50), so that a run has many batches. */
const consume = async (topic: string, onBatch: (batch: SinkBatch, self: SinkConsumer) => Promise<void>): Promise<SinkConsumer> => {
  const self: SinkConsumer = createSinkConsumer({
    brokers,
    groupId: uniqueName('sinkconsumer-group'),
    clientId: 'sink-consumer-test',
    topicPattern: new RegExp(`^${topic.replaceAll('.', '[.]')}$`),
    maxBytesPerPartition: 4_096,
    maxWaitTimeMs: 100,
    logger: quiet,
    onBatch: (batch) => onBatch(batch, self),
  });
  consumer = self;
  await self.start();
  return self;
};

const offsetsOf = (batch: SinkBatch): number[] => batch.records.map((r) => Number(r.offset));

describe('a sink consumer', () => {
  it('hands every record once and in order while each batch is slow; a failed batch comes again before anything after it', async () => {
    const topic = await seededTopic();
    const handed: number[][] = [];
    let failed = false;
    await consume(topic, async (batch) => {
      // slow enough that kafkajs has fetched the next batch before this one ends
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (!failed && batch.records.some((r) => r.offset === '1000')) {
        failed = true;
        // long enough for the next batch to be fetched and waiting behind this one
        await new Promise((resolve) => setTimeout(resolve, 300));
        handed.push(offsetsOf(batch));
        throw new Error('the sink could not write');
      }
      handed.push(offsetsOf(batch));
    });
    await waitFor(() => handed.flat().includes(records - 1), { timeoutMs: 60_000, description: 'every record handed' });

    expect(failed).toBe(true);
    const failedAt = handed.findIndex((offsets) => offsets.includes(1000));
    // the batch after the failed one starts where the failed one started: nothing fetched meanwhile was handed
    expect(handed[failedAt + 1]?.[0]).toBe(handed[failedAt]?.[0]);
    const withoutFailed = handed.filter((_, i) => i !== failedAt).flat();
    expect(withoutFailed).toEqual(Array.from({ length: records }, (_, i) => i));
    expect(handed.length).toBeGreaterThan(20);
  });

  it('continues at a seek made during a batch: batches fetched before it are never handed', async () => {
    const topic = await seededTopic();
    const handed: number[][] = [];
    let sought = false;
    await consume(topic, async (batch, self) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      handed.push(offsetsOf(batch));
      if (!sought && Number(batch.records.at(-1)?.offset) >= 1500) {
        sought = true;
        self.seek(batch.fence, '100');
      }
    });
    await waitFor(() => sought && handed.flat().filter((o) => o === records - 1).length > 0, {
      timeoutMs: 60_000,
      description: 'the records after the seek handed',
    });

    const seekAt = handed.findIndex((offsets) => Number(offsets.at(-1)) >= 1500);
    expect(handed[seekAt + 1]?.[0]).toBe(100);
    const before = handed.slice(0, seekAt + 1).flat();
    const after = handed.slice(seekAt + 1).flat();
    expect(before).toEqual(Array.from({ length: before.length }, (_, i) => i));
    expect(after).toEqual(Array.from({ length: records - 100 }, (_, i) => i + 100));
  });
});
