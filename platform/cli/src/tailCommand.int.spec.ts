import { createProducer } from '@waggle/kafka-bus';
import { runCli, waitFor } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { bookingRequested, cliEnv, createTestTopic, jsonLines, writeJsonLines } from '../fixtures/cliFixtures.ts';

const stack = inject('stack');
const env = cliEnv(stack);
const waggle = (...args: string[]) => runCli(args, { env });
const kafka = new Kafka({ clientId: 'cli-test', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });

describe('waggle tail on a topic with several types and keys', () => {
  let topic = '';

  beforeAll(async () => {
    topic = await createTestTopic(stack, 'cli-tail');
    const requests = await writeJsonLines(['B-1', 'B-2', 'B-1'].map((id, n) => JSON.stringify(bookingRequested(id, { seats: n + 1 }))));
    expect((await waggle('produce', topic, '--type', 'BookingRequested', '--file', requests)).code).toBe(0);
    const confirmed = { bookingId: 'B-1', flightId: 'LH400-2026-12-01', holdId: 'H-1', seats: 1 };
    expect((await waggle('produce', topic, '--type', 'BookingConfirmed', '--data', JSON.stringify(confirmed))).code).toBe(0);
  });

  it('shows only the asked-for type', async () => {
    const run = await waggle('tail', topic, '--from-beginning', '--json', '--type', 'BookingConfirmed', '--max', '1');
    expect(run.code).toBe(0);
    expect(jsonLines(run.stdout)).toMatchObject([{ type: 'waggle.bookings.BookingConfirmed', key: 'B-1', data: { holdId: 'H-1' } }]);
  });

  it('shows only the asked-for key, in order', async () => {
    const run = await waggle('tail', topic, '--from-beginning', '--json', '--key', 'B-1', '--max', '3');
    expect(run.code).toBe(0);
    const entries = jsonLines(run.stdout);
    expect(entries.map((e) => e['key'])).toEqual(['B-1', 'B-1', 'B-1']);
    expect(entries.map((e) => e['type'])).toEqual([
      'waggle.bookings.BookingRequested',
      'waggle.bookings.BookingRequested',
      'waggle.bookings.BookingConfirmed',
    ]);
    expect(entries.map((e) => (e['data'] as { seats: number }).seats)).toEqual([1, 3, 1]);
  });

  it('combines type and key', async () => {
    const run = await waggle(
      'tail',
      topic,
      '--from-beginning',
      '--json',
      '--type',
      'waggle.bookings.BookingRequested',
      '--key',
      'B-2',
      '--max',
      '1',
    );
    expect(jsonLines(run.stdout)).toMatchObject([{ key: 'B-2', data: { seats: 2 } }]);
  });

  it('prints records for people without --json', async () => {
    const run = await waggle('tail', topic, '--from-beginning', '--key', 'B-2', '--max', '1');
    expect(run.code).toBe(0);
    const [first, headers, data] = run.stdout.trim().split('\n');
    expect(first).toMatch(new RegExp(`^${topic}\\[\\d\\]@\\d+  key=B-2  waggle\\.bookings\\.BookingRequested \\(schema \\d+\\)  \\d{4}-`));
    expect(headers).toMatch(/ce_source=\/waggle\/cli .*correlation_id=/);
    expect(JSON.parse(data ?? '')).toMatchObject({ bookingId: 'B-2', seats: 2 });
  });

  it('commits no offsets for its throwaway group', async () => {
    const run = await waggle('tail', topic, '--from-beginning', '--json', '--max', '4');
    expect(run.code).toBe(0);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const tailGroups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((id) => id.startsWith('waggle-tail-'));
      for (const groupId of tailGroups) {
        const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
        expect(
          offsets.flatMap((t) => t.partitions).every((p) => p.offset === '-1'),
          groupId,
        ).toBe(true);
      }
    } finally {
      await admin.disconnect();
    }
  });
});

describe('waggle tail meeting a record it cannot decode', () => {
  const producer = createProducer({
    brokers: stack.kafkaBrokers,
    clientId: 'cli-test',
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  beforeAll(() => producer.start());
  afterAll(() => producer.stop());

  it('shows it as undecodable and goes on to the next', async () => {
    const topic = await createTestTopic(stack, 'cli-tail-poison');
    await producer.send([
      { topic, key: 'K', value: Buffer.from('not avro at all'), headers: { ce_type: 'waggle.bookings.BookingRequested' } },
      { topic, key: 'K', value: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 1, 2]) },
    ]);
    expect(
      (await waggle('produce', topic, '--type', 'BookingRequested', '--key', 'K', '--data', JSON.stringify(bookingRequested('B-9')))).code,
    ).toBe(0);

    const run = await waggle('tail', topic, '--from-beginning', '--json', '--max', '3');
    expect(run.code).toBe(0);
    const entries = jsonLines(run.stdout);
    expect(entries[0]).toMatchObject({ type: 'waggle.bookings.BookingRequested', schemaId: null });
    expect(entries[0]?.['error']).toMatch(/magic byte/);
    expect(entries[1]).toMatchObject({ schemaId: 0x7ffffff0 });
    expect(entries[1]?.['error']).toMatch(/unknown to the schema registry/);
    expect(entries[2]).toMatchObject({ data: { bookingId: 'B-9' } });

    const human = await waggle('tail', topic, '--from-beginning', '--max', '1');
    expect(human.stdout).toMatch(/UNDECODABLE: magic byte/);
  });
});

describe('waggle tail without --from-beginning', () => {
  it('shows records produced after it started, and exits 0 on Ctrl-C', async () => {
    const topic = await createTestTopic(stack, 'cli-tail-live');
    expect((await waggle('produce', topic, '--type', 'BookingRequested', '--data', JSON.stringify(bookingRequested('B-old')))).code).toBe(
      0,
    );

    const bin = fileURLToPath(new URL('../bin/waggle.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'tail', topic, '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    // a record produced before the tail has its partitions would be skipped, so produce until one shows
    await waitFor(
      async () => {
        await waggle('produce', topic, '--type', 'BookingRequested', '--data', JSON.stringify(bookingRequested('B-new')));
        return stdout.includes('B-new');
      },
      { description: 'a new record in the tail', timeoutMs: 45_000, intervalMs: 200 },
    );
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const keys = jsonLines(stdout).map((e) => e['key']);
    expect(keys).not.toContain('B-old');
    expect(keys).toContain('B-new');
  });

  it('exits 2 on an unknown topic', async () => {
    const run = await waggle('tail', 'cli-no-such-topic-anywhere', '--max', '1');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^waggle: unknown topic cli-no-such-topic-anywhere/);
  });
});
