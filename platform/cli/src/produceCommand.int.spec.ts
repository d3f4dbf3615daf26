import { freePort, runCli } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { bookingRequested, cliEnv, createTestTopic, endOffsets, jsonLines, recordCount, writeJsonLines } from '../fixtures/cliFixtures.ts';

const stack = inject('stack');
const env = cliEnv(stack);
const waggle = (...args: string[]) => runCli(args, { env });

/** The subject's latest version, straight from the registry's REST API. */
const latestRegistered = async (subject: string): Promise<{ id: number; version: number } | undefined> => {
  const response = await fetch(`${stack.schemaRegistryUrl}/subjects/${encodeURIComponent(subject)}/versions/latest`);
  return response.status === 404 ? undefined : ((await response.json()) as { id: number; version: number });
};

/** The raw bytes of the only record on `topic`, read with a plain kafkajs consumer. */
const onlyRawValue = async (topic: string): Promise<Buffer> => {
  const kafka = new Kafka({ clientId: 'cli-test', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${topic}-raw`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const value = await new Promise<Buffer>((resolve) => {
    void consumer.run({ eachMessage: ({ message }) => Promise.resolve(message.value === null ? undefined : resolve(message.value)) });
  });
  await consumer.disconnect();
  return value;
};

describe('waggle produce --data', () => {
  it('produces one event that tail shows decoded, with the CloudEvents envelope, in Confluent wire format', async () => {
    const topic = await createTestTopic(stack, 'cli-produce-data');
    const subject = `${topic}-waggle.bookings.BookingRequested`;
    const produced = await waggle('produce', topic, '--type', 'BookingRequested', '--data', JSON.stringify(bookingRequested('B-1')));
    expect(produced.stdout.trim()).toBe(`produced 1 record to ${topic}`);
    expect(produced.code).toBe(0);
    // the subject was new: it says so on stderr, and the local schema is now registered
    expect(produced.stderr).toMatch(new RegExp(`${subject} was not registered; registered schemas/bookings/BookingRequested\\.avsc`));
    const registered = await latestRegistered(subject);
    expect(registered).toBeDefined();

    const tailed = await waggle('tail', topic, '--from-beginning', '--json', '--max', '1');
    expect(tailed.stderr).toBe('');
    expect(tailed.code).toBe(0);
    const [entry] = jsonLines(tailed.stdout);
    expect(entry).toMatchObject({
      topic,
      offset: '0',
      key: 'B-1',
      type: 'waggle.bookings.BookingRequested',
      schemaId: registered?.id,
      data: bookingRequested('B-1'),
    });
    const headers = entry?.['headers'] as Record<string, string>;
    expect(headers).toMatchObject({
      ce_specversion: '1.0',
      ce_type: 'waggle.bookings.BookingRequested',
      ce_source: '/waggle/cli',
      ce_subject: 'B-1',
      'content-type': 'application/avro',
    });
    expect(headers['ce_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(headers['ce_time'] ?? '')).not.toBeNaN();
    expect(headers['correlation_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers['causation_id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(headers).not.toHaveProperty('ce_streamversion');

    const raw = await onlyRawValue(topic);
    expect(raw.readUInt8(0)).toBe(0);
    expect(raw.readInt32BE(1)).toBe(registered?.id);
  });

  it('checks against the registered schema once the subject exists, and keeps the given correlation id', async () => {
    const topic = await createTestTopic(stack, 'cli-produce-again');
    const first = await waggle(
      'produce',
      topic,
      '--type',
      'waggle.bookings.BookingRequested',
      '--data',
      JSON.stringify(bookingRequested('B-1')),
    );
    expect(first.code).toBe(0);
    const second = await waggle(
      'produce',
      topic,
      '--type',
      'BookingRequested',
      '--key',
      'custom-key',
      '--correlation-id',
      'corr-42',
      '--data',
      JSON.stringify(bookingRequested('B-2')),
    );
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    const tailed = await waggle('tail', topic, '--from-beginning', '--json', '--max', '2');
    const second_ = jsonLines(tailed.stdout).find((e) => e['key'] === 'custom-key');
    expect(second_?.['headers']).toMatchObject({ correlation_id: 'corr-42', ce_subject: 'custom-key' });
  });

  it('exits 2 when the record breaks its schema, naming the field, and produces nothing', async () => {
    const topic = await createTestTopic(stack, 'cli-produce-bad-data');
    const run = await waggle(
      'produce',
      topic,
      '--type',
      'BookingRequested',
      '--data',
      JSON.stringify(bookingRequested('B-1', { seats: 'two' })),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--data: /seats: expected int, got "two"');
    expect(run.stderr).toMatch(/nothing was produced/);
    expect(await recordCount(stack, topic)).toBe(0);
  });
});

describe('waggle produce --file', () => {
  it('produces every line of a valid file, keyed by aggregate id', async () => {
    const topic = await createTestTopic(stack, 'cli-produce-file');
    const file = await writeJsonLines(['B-1', 'B-2', 'B-3'].map((id) => JSON.stringify(bookingRequested(id))));
    const run = await waggle('produce', topic, '--type', 'BookingRequested', '--file', file);
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split('\n').at(-1)).toBe(`produced 3 records to ${topic}`);
    expect(await recordCount(stack, topic)).toBe(3);
    const tailed = await waggle('tail', topic, '--from-beginning', '--json', '--max', '3');
    expect(
      jsonLines(tailed.stdout)
        .map((e) => e['key'])
        .sort(),
    ).toEqual(['B-1', 'B-2', 'B-3']);
  });

  it('exits 2 on a file with one invalid line, naming the line and the field, and produces nothing', async () => {
    const topic = await createTestTopic(stack, 'cli-produce-invalid');
    const file = await writeJsonLines([
      JSON.stringify(bookingRequested('B-1')),
      JSON.stringify(bookingRequested('B-2')),
      JSON.stringify(bookingRequested('B-3', { seats: 'two' })),
      JSON.stringify(bookingRequested('B-4')),
    ]);
    const run = await waggle('produce', topic, '--type', 'BookingRequested', '--file', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:3: /seats: expected int, got "two"`);
    expect(run.stderr.trim().split('\n').at(-1)).toMatch(/^waggle: 1 of 4 records in .* is invalid .*; nothing was produced$/);
    expect(run.stdout).toBe('');
    expect(await endOffsets(stack, topic)).toEqual([0, 0, 0]);
  });

  it('lists every invalid line, a nested field by its path, and produces nothing', async () => {
    const topic = await createTestTopic(stack, 'cli-produce-many-invalid');
    const file = await writeJsonLines([
      JSON.stringify(bookingRequested('B-1', { passengers: [{ firstName: 'Ada' }] })),
      JSON.stringify(bookingRequested('B-2')),
      JSON.stringify(bookingRequested('B-3', { seats: 1.5 })),
    ]);
    const run = await waggle('produce', topic, '--type', 'BookingRequested', '--file', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file}:1: /passengers/0/lastName: missing, expected string`);
    expect(run.stderr).toContain(`${file}:3: /seats: expected int, got 1.5`);
    expect(await recordCount(stack, topic)).toBe(0);
  });

  it('exits 2 on a malformed JSON line, naming it, and produces nothing', async () => {
    const topic = await createTestTopic(stack, 'cli-produce-malformed');
    const file = await writeJsonLines([JSON.stringify(bookingRequested('B-1')), '{"bookingId": "B-2",']);
    const run = await waggle('produce', topic, '--type', 'BookingRequested', '--file', file);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`${file}:2: not valid JSON`));
    expect(await recordCount(stack, topic)).toBe(0);
  });

  it('exits 2 when a file cannot be read', async () => {
    const run = await waggle('produce', 'try.bookings', '--type', 'BookingRequested', '--file', '/nonexistent/events.jsonl');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^waggle: cannot read \/nonexistent\/events\.jsonl/);
  });
});

describe('waggle produce with bad usage', () => {
  it('exits 2 on an unknown --type, listing the known ones', async () => {
    const topic = await createTestTopic(stack, 'cli-produce-type');
    const run = await waggle('produce', topic, '--type', 'BookingTeleported', '--data', '{}');
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toMatch(/^waggle: unknown event type "BookingTeleported"; known types: .*BookingRequested/);
    expect(await recordCount(stack, topic)).toBe(0);
  });

  it('exits 2 on an unknown topic, and does not create it', async () => {
    const topic = `cli-no-such-topic-${await freePort()}`;
    const run = await waggle('produce', topic, '--type', 'BookingRequested', '--data', JSON.stringify(bookingRequested('B-1')));
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`waggle: unknown topic ${topic} on KAFKA_BROKERS=${stack.kafkaBrokers} (waggle topics lists them)`);
    const topics = await waggle('topics', '--json');
    expect((JSON.parse(topics.stdout) as { topic: string }[]).map((t) => t.topic)).not.toContain(topic);
  });

  it('exits 2 without --data or --file, or with both', async () => {
    expect((await waggle('produce', 'try.bookings', '--type', 'BookingRequested')).code).toBe(2);
    const both = await waggle('produce', 'try.bookings', '--type', 'BookingRequested', '--data', '{}', '--file', 'x.jsonl');
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/exactly one of --data/);
  });

  it('exits 1 with one line naming KAFKA_BROKERS when no broker answers', async () => {
    const brokers = `127.0.0.1:${await freePort()}`;
    const run = await runCli(['produce', 'try.bookings', '--type', 'BookingRequested', '--data', JSON.stringify(bookingRequested('B-1'))], {
      env: { ...env, KAFKA_BROKERS: brokers },
    });
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(new RegExp(`^waggle: KAFKA_BROKERS=${brokers} does not answer`));
  });
});
