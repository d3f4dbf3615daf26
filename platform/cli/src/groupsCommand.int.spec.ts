import { runCli, uniqueName } from '@waggle/testing';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { cliEnv, createTestTopic } from '../fixtures/cliFixtures.ts';

const stack = inject('stack');
const env = cliEnv(stack);
const waggle = (...args: string[]) => runCli(args, { env });
const kafka = new Kafka({ clientId: 'cli-groups', brokers: stack.kafkaBrokers.split(','), logLevel: logLevel.NOTHING });

type Change = { topic: string; partition: number; from: string; to: string };

/** A topic with `perPartition` records in each of its 3 partitions, and a group that committed `committed` on each. */
const groupAt = async (perPartition: number, committed: number) => {
  const topic = await createTestTopic(stack, 'cli-groups');
  const producer = kafka.producer();
  await producer.connect();
  for (let partition = 0; partition < 3; partition++)
    await producer.send({ topic, messages: Array.from({ length: perPartition }, (_, i) => ({ partition, value: `r${i}` })) });
  await producer.disconnect();
  const group = uniqueName('cli-groups');
  const admin = kafka.admin();
  await admin.connect();
  await admin.setOffsets({ groupId: group, topic, partitions: [0, 1, 2].map((partition) => ({ partition, offset: String(committed) })) });
  await admin.disconnect();
  return { topic, group };
};

const committedOf = async (group: string, topic: string): Promise<string[]> => {
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  await admin.disconnect();
  return (offsets?.partitions ?? []).sort((a, b) => a.partition - b.partition).map((p) => p.offset);
};

describe('waggle groups', () => {
  it('shows a dry run per partition and writes nothing, then resets to earliest', async () => {
    const { topic, group } = await groupAt(4, 3);
    const dry = await waggle('groups', 'reset', group, '--to', 'earliest', '--dry-run', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const planned = JSON.parse(dry.stdout) as { dryRun: boolean; changes: Change[] };
    expect(planned.dryRun).toBe(true);
    expect(planned.changes).toEqual([0, 1, 2].map((partition) => ({ topic, partition, from: '3', to: '0' })));
    expect(await committedOf(group, topic)).toEqual(['3', '3', '3']);

    const done = await waggle('groups', 'reset', group, '--to', 'earliest');
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/3 of 3 partition\(s\) moved/);
    expect(await committedOf(group, topic)).toEqual(['0', '0', '0']);

    const described = await waggle('groups', 'describe', group, '--json');
    expect(JSON.parse(described.stdout)).toMatchObject({ state: 'Empty', members: 0, partitions: [{ committed: '0', lag: 4 }, {}, {}] });
  });

  it('resets to latest, to a time, and to given offsets', async () => {
    const { topic, group } = await groupAt(5, 1);
    expect((await waggle('groups', 'reset', group, '--to', 'latest')).code).toBe(0);
    expect(await committedOf(group, topic)).toEqual(['5', '5', '5']);
    // every record is older than now + 1 h: no record at or after it, so each partition's end
    expect((await waggle('groups', 'reset', group, '--to', new Date(Date.now() + 3600_000).toISOString())).code).toBe(0);
    expect(await committedOf(group, topic)).toEqual(['5', '5', '5']);
    expect((await waggle('groups', 'reset', group, '--to', '0')).code).toBe(0);
    expect(await committedOf(group, topic)).toEqual(['0', '0', '0']);
    expect((await waggle('groups', 'reset', group, '--to', `${topic}:1:2,${topic}:2:4`)).code).toBe(0);
    expect(await committedOf(group, topic)).toEqual(['0', '2', '4']);
  });

  it('refuses while the group has a live member (exit 1) and bad targets (exit 2), changing nothing', async () => {
    const { topic, group } = await groupAt(2, 1);
    const member = kafka.consumer({ groupId: group });
    await member.connect();
    await member.subscribe({ topic });
    let joined: () => void = () => undefined;
    const inGroup = new Promise<void>((resolve) => (joined = resolve));
    member.on(member.events.GROUP_JOIN, () => joined());
    await member.run({ eachMessage: () => Promise.resolve() });
    await inGroup;
    try {
      const refused = await waggle('groups', 'reset', group, '--to', 'earliest');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/live member/);
    } finally {
      await member.disconnect();
    }
    expect((await waggle('groups', 'reset', group, '--to', 'yesterday-ish')).code).toBe(2);
    const outside = await waggle('groups', 'reset', group, '--to', `${topic}:0:99`);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/outside what the partition holds/);
    expect(await committedOf(group, topic)).not.toContain('99');
  });
});
