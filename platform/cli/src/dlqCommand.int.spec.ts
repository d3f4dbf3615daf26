import { ValidationError } from '@waggle/errors';
import { createConsumer, createProducer, type ConsumedRecord } from '@waggle/kafka-bus';
import { runCli, uniqueName, waitFor } from '@waggle/testing';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { cliEnv, createTestTopic, recordCount } from '../fixtures/cliFixtures.ts';

const stack = inject('stack');
const env = cliEnv(stack);
const waggle = (...args: string[]) => runCli(args, { env });
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of stops) await stop();
});

type Row = { key: string; originalOffset: string; group: string; errorClass: string; status: string };

describe('waggle dlq on a topic where a consumer parked a key', () => {
  it('lists the dead letters, refuses a redrive out of order, dry-runs by default and redrives the key in order with --yes', async () => {
    const topic = await createTestTopic(stack, 'cli-dlq');
    const groupId = uniqueName('cli-dlq');
    const applied: string[] = [];
    let fixed = false;
    const consumer = createConsumer({
      brokers: stack.kafkaBrokers,
      groupId,
      clientId: 'cli-dlq',
      topics: [topic],
      fromBeginning: true,
      logger: quiet,
      handle: (r: ConsumedRecord) => {
        const value = r.value?.toString() ?? '';
        if (value.includes('poison') && !fixed) return Promise.reject(new ValidationError(`refused ${value}`));
        applied.push(`${r.key?.toString()}:${value}`);
        return Promise.resolve();
      },
    });
    await consumer.start();
    stops.push(() => consumer.stop());
    const producer = createProducer({ brokers: stack.kafkaBrokers, clientId: 'cli-dlq', logger: quiet });
    await producer.start();
    stops.push(() => producer.stop());
    await producer.send(
      ['K:v1-poison', 'K:v2', 'L:v1'].map((kv) => ({ topic, key: kv.split(':')[0] ?? '', value: Buffer.from(kv.split(':')[1] ?? '') })),
    );
    await waitFor(() => applied.includes('L:v1') && consumer.status().parked[0]?.records === 2, { description: 'L applied, K parked' });

    const listed = await waggle('dlq', 'list', topic, '--json');
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as Row[];
    expect(rows.map((r) => [r.key, r.group, r.errorClass, r.status])).toEqual([
      ['K', groupId, 'ValidationError', 'pending'],
      ['K', groupId, 'ParkedKeyError', 'pending'],
    ]);
    const table = await waggle('dlq', 'list', topic);
    expect(table.stdout).toMatch(/1 key\(s\) parked; put them back with: waggle dlq redrive/);

    const behind = await waggle('dlq', 'redrive', topic, '--offset', rows[1]?.originalOffset ?? '');
    expect(behind.code).toBe(2);
    expect(behind.stderr).toMatch(/is behind pending offset/);
    expect((await waggle('dlq', 'list', `${topic}.dlq`)).code).toBe(2);
    expect((await waggle('dlq', 'list', uniqueName('no-such-topic'))).code).toBe(2);

    const before = await recordCount(stack, topic);
    const dryRun = await waggle('dlq', 'redrive', topic, '--key', 'K');
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout).toMatch(/dry run: 2 record\(s\) would go back/);
    expect(await recordCount(stack, topic)).toBe(before);

    fixed = true;
    const redriven = await waggle('dlq', 'redrive', topic, '--key', 'K', '--yes');
    expect(redriven.code).toBe(0);
    await waitFor(() => applied.includes('K:v2') && consumer.status().parked.length === 0, { description: 'K redriven and unparked' });
    expect(applied).toEqual(['L:v1', 'K:v1-poison', 'K:v2']);
    const after = JSON.parse((await waggle('dlq', 'list', topic, '--json')).stdout) as Row[];
    expect(after.map((r) => r.status)).toEqual(['settled', 'settled']);
    expect((await waggle('dlq', 'redrive', topic, '--yes')).stdout).toMatch(/nothing to redrive/);
  }, 90_000);
});
