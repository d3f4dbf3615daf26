import { TransientError, UndecodableError, ValidationError } from '@waggle/errors';
import { uniqueName, waitFor } from '@waggle/testing';
import { Kafka, logLevel, type IHeaders, type KafkaMessage } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ConsumedRecord } from './consumedRecord.ts';
import { createConsumer, type Consumer } from './createConsumer.ts';
import { createProducer, type ProducerRecord } from './createProducer.ts';
import { createTopics } from './createTopics.ts';
import { listDeadLetters, redriveDeadLetters } from './deadLetterQueue.ts';
import { deadLetterHeaderNames, readDeadLetterHeaders } from './deadLetterHeaders.ts';
import { toEventHeaders } from './eventHeaders.ts';

const stack = inject('stack');
const brokers = stack.kafkaBrokers;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const kafka = new Kafka({ clientId: 'consumer-check', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const producer = createProducer({ brokers, clientId: 'consumer-test-producer', logger: quiet });

type TestEvent = { readonly schemaId: number; readonly body: { n: number; poison?: boolean } };
const knownSchemaIds = new Set([1, 2]);

/** Confluent wire format with a JSON body: enough to exercise the magic byte and schema id checks. */
const encode = (schemaId: number, body: TestEvent['body'], magic = 0): Buffer => {
  const header = Buffer.alloc(5);
  header.writeUInt8(magic, 0);
  header.writeInt32BE(schemaId, 1);
  return Buffer.concat([header, Buffer.from(JSON.stringify(body))]);
};

const decode = (record: ConsumedRecord<never>): TestEvent => {
  const value = record.value;
  if (value === null || value.length < 5) throw new UndecodableError('value shorter than the wire-format header');
  if (value.readUInt8(0) !== 0) throw new UndecodableError(`bad magic byte ${value.readUInt8(0)}`);
  const schemaId = value.readInt32BE(1);
  if (!knownSchemaIds.has(schemaId)) throw new UndecodableError(`unknown schema id ${schemaId}`);
  return { schemaId, body: JSON.parse(value.subarray(5).toString()) as TestEvent['body'] };
};

const record = (topic: string, key: string, n: number, extra: Partial<ProducerRecord> = {}): ProducerRecord => ({
  topic,
  key,
  value: encode(1, { n }),
  headers: toEventHeaders({
    id: `${key}-${n}`,
    type: 'SeatsHeld',
    source: 'waggle/test',
    time: new Date(0).toISOString(),
    subject: key,
    correlationId: 'c',
    causationId: 'c',
  }),
  ...extra,
});

/** Everything on `topic`, read with a plain kafkajs consumer once `count` records are there. */
const readAll = async (topic: string, count: number): Promise<KafkaMessage[]> => {
  const received: KafkaMessage[] = [];
  const consumer = kafka.consumer({ groupId: uniqueName('read-all'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: ({ message }) => {
      received.push(message);
      return Promise.resolve();
    },
  });
  await waitFor(() => received.length >= count, { description: `${count} records on ${topic}` });
  await consumer.disconnect();
  return received;
};

/** Records ever written to a topic: the sum of its partitions' high watermarks. */
const recordCount = async (topic: string): Promise<number> => {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, { high, low }) => sum + Number(high) - Number(low), 0);
  } finally {
    await admin.disconnect();
  }
};

const asBuffer = (value: IHeaders[string]): Buffer | undefined =>
  value === undefined || Array.isArray(value) ? undefined : Buffer.isBuffer(value) ? value : Buffer.from(value);

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

describe('a consumer on a topic with several partitions', () => {
  it('handles every record once, in order per key, record by record', async () => {
    const topic = uniqueName('consume-order');
    await createTopics(brokers, [{ topic, partitions: 3 }], { logger: quiet });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    await producer.send(Array.from({ length: 300 }, (_, n) => record(topic, keys[n % keys.length] ?? 'a', n)));

    const seen = new Map<string, number[]>();
    const partitionsSeen = new Set<number>();
    const consumer = await started(
      createConsumer<TestEvent>({
        brokers,
        groupId: uniqueName('consume-order'),
        clientId: 'consume-order',
        topics: [topic],
        fromBeginning: true,
        decode,
        logger: quiet,
        handle: (r) => {
          partitionsSeen.add(r.partition);
          const key = r.key?.toString() ?? '';
          seen.set(key, [...(seen.get(key) ?? []), r.event?.body.n ?? -1]);
          return Promise.resolve();
        },
      }),
    );
    await waitFor(() => [...seen.values()].flat().length >= 300, { description: '300 records handled' });
    await waitFor(async () => (await consumer.lag()).every((p) => p.lag === 0), { description: 'lag 0 on every partition' });

    expect(partitionsSeen.size).toBeGreaterThan(1);
    expect([...seen.values()].flat()).toHaveLength(300);
    for (const [key, values] of seen) expect(values, `order of ${key}`).toEqual([...values].sort((x, y) => x - y));
    const lag = await consumer.lag();
    expect(lag.map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(lag.reduce((sum, p) => sum + Number(p.committed), 0)).toBe(300);
  });

  it('hands consecutive records of one partition to handleBatch, in order per key', async () => {
    const topic = uniqueName('consume-batch');
    await createTopics(brokers, [{ topic, partitions: 2 }], { logger: quiet });
    await producer.send(Array.from({ length: 200 }, (_, n) => record(topic, `k${n % 4}`, n)));

    const seen = new Map<string, number[]>();
    const batchSizes: number[] = [];
    await started(
      createConsumer<TestEvent>({
        brokers,
        groupId: uniqueName('consume-batch'),
        clientId: 'consume-batch',
        topics: [topic],
        fromBeginning: true,
        decode,
        logger: quiet,
        handleBatch: (records) => {
          batchSizes.push(records.length);
          expect(new Set(records.map((r) => r.partition)).size).toBe(1);
          for (const r of records) {
            const key = r.key?.toString() ?? '';
            seen.set(key, [...(seen.get(key) ?? []), r.event?.body.n ?? -1]);
          }
          return Promise.resolve();
        },
      }),
    );
    await waitFor(() => [...seen.values()].flat().length >= 200, { description: '200 records handled' });
    expect(Math.max(...batchSizes)).toBeGreaterThan(1);
    expect([...seen.values()].flat()).toHaveLength(200);
    for (const [key, values] of seen) expect(values, `order of ${key}`).toEqual([...values].sort((x, y) => x - y));
  });
});

describe('a consumer meeting poison records', () => {
  const topic = uniqueName('poison');
  const groupId = uniqueName('poison');
  const binaryHeader = Buffer.from([0xff, 0x00, 0xfe, 0x80]);
  // each on a key of its own (a poison record parks its key), all on one partition
  const poison: ProducerRecord[] = [
    record(topic, 'p1', 1, { value: Buffer.concat([Buffer.from([7]), encode(1, { n: 1 }).subarray(1)]) }),
    record(topic, 'p2', 2, { value: encode(999, { n: 2 }) }),
    record(topic, 'p3', 3, { value: encode(2, { n: 3, poison: true }) }),
  ].map((r) => ({ ...r, partition: 0, headers: { ...r.headers, binary: binaryHeader } }));
  const handled: number[] = [];
  const handlerFor = () => (r: ConsumedRecord<TestEvent>) => {
    if (r.event?.body.poison === true) return Promise.reject(new ValidationError('seats must be positive'));
    handled.push(r.event?.body.n ?? -1);
    return Promise.resolve();
  };

  it('dead-letters each exactly once with original bytes and error headers, and the partition keeps flowing', async () => {
    await createTopics(brokers, [{ topic, partitions: 2 }], { logger: quiet });
    // one partition: the good records after the poison must still be handled
    const good = (n: number) => record(topic, 'g', n, { partition: 0 });
    await producer.send([good(0), ...poison, good(4), good(5)]);
    const options = {
      brokers,
      groupId,
      clientId: 'poison',
      topics: [topic],
      fromBeginning: true,
      decode,
      logger: quiet,
      handle: handlerFor(),
    };
    const first = await started(createConsumer<TestEvent>(options));
    await waitFor(() => handled.includes(5), { description: 'the records after the poison to be handled' });
    expect(handled).toEqual([0, 4, 5]);

    // restarted in the same group right after: nothing is dead-lettered again
    await first.stop();
    await started(createConsumer<TestEvent>(options));
    await producer.send([good(6)]);
    await waitFor(() => handled.includes(6), { description: 'a record after the restart' });
    expect(handled).toEqual([0, 4, 5, 6]);

    const dlq = `${topic}.dlq`;
    const dead = await readAll(dlq, 3);
    expect(await recordCount(dlq)).toBe(3);
    expect(await recordCount(topic)).toBe(7);

    const partitions = kafka.admin();
    await partitions.connect();
    const [sourceMeta] = (await partitions.fetchTopicMetadata({ topics: [topic] })).topics;
    const [dlqMeta] = (await partitions.fetchTopicMetadata({ topics: [dlq] })).topics;
    await partitions.disconnect();
    expect(dlqMeta?.partitions).toHaveLength(sourceMeta?.partitions.length ?? -1);

    const expected = [
      { original: poison[0], errorClass: 'UndecodableError', message: /bad magic byte 7/, offset: '1' },
      { original: poison[1], errorClass: 'UndecodableError', message: /unknown schema id 999/, offset: '2' },
      { original: poison[2], errorClass: 'ValidationError', message: /seats must be positive/, offset: '3' },
    ];
    for (const [index, want] of expected.entries()) {
      const got = dead[index];
      if (got === undefined || want.original === undefined) throw new Error(`dead letter ${index} missing`);
      expect(got.key).toEqual(Buffer.from(`p${index + 1}`));
      expect(got.value).toEqual(want.original.value);
      for (const [name, value] of Object.entries(want.original.headers ?? {})) {
        expect(asBuffer(got.headers?.[name]), `header ${name}`).toEqual(Buffer.isBuffer(value) ? value : Buffer.from(String(value)));
      }
      const info = readDeadLetterHeaders(got.headers ?? {});
      expect(info).toMatchObject({
        originalTopic: topic,
        originalOffset: want.offset,
        consumerGroup: groupId,
        errorClass: want.errorClass,
        attempts: 1,
      });
      expect(info?.errorMessage).toMatch(want.message);
      expect(got.headers?.[deadLetterHeaderNames.errorStacktrace]).toBeDefined();
    }
  });
});

describe('a consumer meeting a transient failure', () => {
  it('retries the record with backoff and handles it once when the third attempt succeeds', async () => {
    const topic = uniqueName('transient');
    await createTopics(brokers, [{ topic, partitions: 2 }], { logger: quiet });
    await producer.send([record(topic, 'k', 0), record(topic, 'k', 1), record(topic, 'k', 2)]);

    const attempts = new Map<number, number>();
    const handled: number[] = [];
    const consumer = await started(
      createConsumer<TestEvent>({
        brokers,
        groupId: uniqueName('transient'),
        clientId: 'transient',
        topics: [topic],
        fromBeginning: true,
        decode,
        retryBaseMs: 20,
        logger: quiet,
        handle: (r) => {
          const n = r.event?.body.n ?? -1;
          const attempt = (attempts.get(n) ?? 0) + 1;
          attempts.set(n, attempt);
          if (n === 1 && attempt < 3) return Promise.reject(new TransientError('database briefly away'));
          handled.push(n);
          return Promise.resolve();
        },
      }),
    );
    await waitFor(() => handled.includes(2), { description: 'the record after the failing one' });
    await waitFor(async () => (await consumer.lag()).every((p) => p.lag === 0), { description: 'everything committed' });
    expect(handled).toEqual([0, 1, 2]);
    expect(attempts.get(1)).toBe(3);
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics).not.toContain(`${topic}.dlq`);
  });

  it('retries a record failing for 20 s without limit, shows it retrying, handles it once and dead-letters nothing', async () => {
    const topic = uniqueName('outage');
    await createTopics(brokers, [{ topic, partitions: 1 }], { logger: quiet });
    await producer.send([record(topic, 'k', 0), record(topic, 'k', 1)]);
    const handled: number[] = [];
    // the outage lasts 20 s, well past the old limit of 5 retries (about 3 s)
    const outageEndsAt = Date.now() + 20_000;
    let handledAt = 0;
    const consumer = await started(
      createConsumer<TestEvent>({
        brokers,
        groupId: uniqueName('outage'),
        clientId: 'outage',
        topics: [topic],
        fromBeginning: true,
        decode,
        retryBaseMs: 50,
        retryMaxMs: 1_000,
        logger: quiet,
        handle: (r) => {
          if (r.event?.body.n === 0 && Date.now() < outageEndsAt) return Promise.reject(new TransientError('database away'));
          handled.push(r.event?.body.n ?? -1);
          handledAt ||= Date.now();
          return Promise.resolve();
        },
      }),
    );
    await waitFor(() => (consumer.status().retrying[0]?.attempts ?? 0) >= 3, { description: 'the record to be retrying' });
    expect(consumer.status().retrying[0]).toMatchObject({ topic, partition: 0, offset: '0', lastError: 'TransientError: database away' });
    await waitFor(() => handled.includes(1), { description: 'both records after the outage', timeoutMs: 35_000 });
    expect(handled).toEqual([0, 1]);
    expect(handledAt).toBeGreaterThanOrEqual(outageEndsAt);
    expect(consumer.status().retrying).toEqual([]);
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics).not.toContain(`${topic}.dlq`);
  }, 60_000);
});

describe('a consumer stopped mid-stream', () => {
  it('resumes in the same group without losing a record', async () => {
    const topic = uniqueName('restart');
    const groupId = uniqueName('restart');
    await createTopics(brokers, [{ topic, partitions: 3 }], { logger: quiet });
    const total = 600;
    await producer.send(Array.from({ length: total }, (_, n) => record(topic, `k${n % 10}`, n)));

    const firstRun: number[] = [];
    const secondRun: number[] = [];
    // the first run holds after 50 records until its stop is under way, so the stop lands mid-stream however fast
    // the machine is
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const options = (into: number[]) => ({
      brokers,
      groupId,
      clientId: 'restart',
      topics: [topic],
      fromBeginning: true,
      decode,
      logger: quiet,
      handle: async (r: ConsumedRecord<TestEvent>) => {
        if (into === firstRun && into.length >= 50) await gate;
        into.push(r.event?.body.n ?? -1);
      },
    });
    const first = await started(createConsumer<TestEvent>(options(firstRun)));
    await waitFor(() => firstRun.length >= 50, { description: 'the first run to get going' });
    const stopping = first.stop();
    release();
    await stopping;
    const afterStop = firstRun.length;
    expect(afterStop).toBeLessThan(total);

    await started(createConsumer<TestEvent>(options(secondRun)));
    await waitFor(() => new Set([...firstRun, ...secondRun]).size === total, { description: 'every record handled' });
    expect(firstRun).toHaveLength(afterStop);
    // a graceful stop commits everything handled, so nothing is handled twice
    expect(secondRun.filter((n) => firstRun.includes(n))).toEqual([]);
  });
});

describe('a consumer meeting a poison record of a key', () => {
  it('parks the key: its later records are held back in order, other keys flow, a redrive after the fix applies them in order', async () => {
    const topic = uniqueName('park');
    const groupId = uniqueName('park');
    await createTopics(brokers, [{ topic, partitions: 1 }], { logger: quiet });
    const versions = new Map<string, number>();
    const bystander: string[] = [];
    let fixed = false;
    // a read model in miniature: applies version n of a key only right after n - 1
    const options = {
      brokers,
      groupId,
      clientId: 'park',
      topics: [topic],
      fromBeginning: true,
      decode,
      logger: quiet,
      handle: (r: ConsumedRecord<TestEvent>) => {
        const key = r.key?.toString() ?? '';
        const n = r.event?.body.n ?? -1;
        if (r.event?.body.poison === true && !fixed) return Promise.reject(new ValidationError('seats must be positive'));
        const current = versions.get(key) ?? 0;
        if (n <= current) return Promise.resolve();
        if (n !== current + 1) return Promise.reject(new Error(`applied ${key} v${n} after v${current}`));
        versions.set(key, n);
        return Promise.resolve();
      },
    };
    const poisonV2 = record(topic, 'K', 2, { value: encode(2, { n: 2, poison: true }) });
    await producer.send([record(topic, 'K', 1), poisonV2, record(topic, 'K', 3), record(topic, 'L', 1)]);
    // another group on the same topic sees every record once, redriven copies included
    await started(
      createConsumer<TestEvent>({
        ...options,
        groupId: uniqueName('park-bystander'),
        handle: (r) => {
          bystander.push(`${r.key?.toString()}${r.event?.body.n}`);
          return Promise.resolve();
        },
      }),
    );

    const first = await started(createConsumer<TestEvent>(options));
    await waitFor(() => versions.get('L') === 1 && first.status().parked.length === 1, { description: 'L applied and K parked' });
    await waitFor(async () => (await first.lag()).every((p) => p.lag === 0), { description: 'everything committed' });
    expect(versions.get('K')).toBe(1);
    expect(first.status().parked[0]).toMatchObject({ topic, key: 'K', since: '1', records: 2 });
    let letters = await listDeadLetters(brokers, topic);
    expect(letters.map((l) => [l.key, l.originalOffset, l.errorClass, l.status])).toEqual([
      ['K', '1', 'ValidationError', 'pending'],
      ['K', '2', 'ParkedKeyError', 'pending'],
    ]);
    expect(letters[0]?.record.value).toEqual(poisonV2.value);

    // a new member of the group learns the parked key from the dead-letter topic
    await first.stop();
    const second = await started(createConsumer<TestEvent>(options));
    await producer.send([record(topic, 'K', 4), record(topic, 'L', 2)]);
    await waitFor(() => versions.get('L') === 2, { description: 'L v2 applied' });
    await waitFor(() => second.status().parked[0]?.records === 3, { description: 'K v4 held back too' });
    expect(versions.get('K')).toBe(1);

    const dryRun = await redriveDeadLetters(brokers, topic, { key: 'K' }, { logger: quiet });
    expect(dryRun.copies.map((c) => c.deadLetter.originalOffset)).toEqual(['1', '2', '4']);
    expect(await recordCount(topic)).toBe(6);

    fixed = true;
    const plan = await redriveDeadLetters(brokers, topic, { key: 'K' }, { dryRun: false, logger: quiet });
    expect(plan.problems).toEqual([]);
    await waitFor(() => versions.get('K') === 4 && second.status().parked.length === 0, { description: 'K applied to v4 and unparked' });
    letters = await listDeadLetters(brokers, topic);
    expect(letters.every((l) => l.status === 'settled')).toBe(true);

    // unparked: the next record of K is applied at once
    await producer.send([record(topic, 'K', 5)]);
    await waitFor(() => versions.get('K') === 5, { description: 'K v5 applied' });
    await waitFor(() => bystander.length === 7, { description: 'the bystander group to see the 7 originals' });
    expect(bystander.sort()).toEqual(['K1', 'K2', 'K3', 'K4', 'K5', 'L1', 'L2']);
  }, 120_000);
});
