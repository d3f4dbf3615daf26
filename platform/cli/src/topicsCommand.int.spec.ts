import { runCli } from '@waggle/testing';
import { describe, expect, inject, it } from 'vitest';
import { bookingRequested, cliEnv, createTestTopic, endOffsets, writeJsonLines } from '../fixtures/cliFixtures.ts';

const stack = inject('stack');
const env = cliEnv(stack);
const waggle = (...args: string[]) => runCli(args, { env });

type TopicRow = { topic: string; partitions: number; messages: number; endOffsets: number[] };

describe('waggle topics', () => {
  it('lists a created topic with its partitions, message count and end offsets, and no internal topics', async () => {
    const topic = await createTestTopic(stack, 'cli-topics');
    const empty = await createTestTopic(stack, 'cli-topics-empty');
    const file = await writeJsonLines(['B-1', 'B-2', 'B-3', 'B-4', 'B-5'].map((id) => JSON.stringify(bookingRequested(id))));
    expect((await waggle('produce', topic, '--type', 'BookingRequested', '--file', file)).code).toBe(0);

    const run = await waggle('topics', '--json');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as TopicRow[];
    expect(rows.find((r) => r.topic === topic)).toEqual({ topic, partitions: 3, messages: 5, endOffsets: await endOffsets(stack, topic) });
    expect(rows.find((r) => r.topic === empty)).toEqual({ topic: empty, partitions: 3, messages: 0, endOffsets: [0, 0, 0] });
    expect(rows.map((r) => r.topic)).not.toContain('__consumer_offsets');

    const all = JSON.parse((await waggle('topics', '--json', '--all')).stdout) as TopicRow[];
    expect(all.map((r) => r.topic)).toContain('__consumer_offsets');
  });

  it('prints a table for people', async () => {
    const topic = await createTestTopic(stack, 'cli-topics-table');
    const run = await waggle('topics');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toMatch(/^TOPIC +PARTITIONS +MESSAGES +END OFFSETS$/);
    expect(lines.find((line) => line.startsWith(`${topic} `))).toMatch(new RegExp(`^${topic} +3 +0 +0,0,0$`));
  });
});
