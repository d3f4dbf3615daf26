import { RuleViolationError, ValidationError } from '@waggle/errors';
import type { Admin } from 'kafkajs';
import type { Brokers } from './createKafkaClient.ts';
import type { Logger } from './logger.ts';
import { withAdmin } from './withAdmin.ts';

/** One partition of a group: its committed offset (`-1`: none), the partition's earliest and end offsets, the lag. */
export type GroupPartition = {
  readonly topic: string;
  readonly partition: number;
  readonly committed: string;
  readonly low: string;
  readonly high: string;
  readonly lag: number;
};

export type GroupOffsets = {
  readonly groupId: string;
  /** Kafka's group state: `Empty` and `Dead` have no live member, `Stable` and the rebalancing states have. */
  readonly state: string;
  readonly members: number;
  readonly partitions: readonly GroupPartition[];
};

/** Where `resetGroupOffsets` moves a group: each partition's earliest or end offset, the first at a time, or given offsets. */
export type ResetTarget =
  | 'earliest'
  | 'latest'
  | { readonly timestamp: number }
  | readonly { readonly topic: string; readonly partition: number; readonly offset: string }[];

/** What a reset moves (or, in a dry run, would move): `from` is the committed offset before, `-1` when none. */
export type OffsetChange = { readonly topic: string; readonly partition: number; readonly from: string; readonly to: string };

type Options = { readonly topics?: readonly string[]; readonly logger?: Logger };

const read = async (admin: Admin, groupId: string, topics: readonly string[] | undefined): Promise<GroupOffsets> => {
  const {
    groups: [group],
  } = await admin.describeGroups([groupId]);
  const committed = await admin.fetchOffsets({ groupId, ...(topics === undefined ? {} : { topics: [...topics] }) });
  const partitions: GroupPartition[] = [];
  for (const { topic, partitions: offsets } of committed) {
    for (const end of await admin.fetchTopicOffsets(topic)) {
      const offset = offsets.find((p) => p.partition === end.partition)?.offset ?? '-1';
      const from = BigInt(offset) >= 0n ? BigInt(offset) : BigInt(end.low);
      partitions.push({
        topic,
        partition: end.partition,
        committed: offset,
        low: end.low,
        high: end.high,
        lag: Number(BigInt(end.high) - from),
      });
    }
  }
  partitions.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  return { groupId, state: group?.state ?? 'Dead', members: group?.members.length ?? 0, partitions };
};

/** A group's state, members and, per partition of the topics it committed on (or `topics`), its offsets and lag. */
export const describeGroupOffsets = (brokers: Brokers, groupId: string, options: Options = {}): Promise<GroupOffsets> =>
  withAdmin(brokers, options, `describing consumer group ${groupId}`, (admin) => read(admin, groupId, options.topics));

const targetsOf = async (admin: Admin, group: GroupOffsets, to: ResetTarget): Promise<OffsetChange[]> => {
  const change = (p: GroupPartition, offset: string): OffsetChange => ({
    topic: p.topic,
    partition: p.partition,
    from: p.committed,
    to: offset,
  });
  if (to === 'earliest') return group.partitions.map((p) => change(p, p.low));
  if (to === 'latest') return group.partitions.map((p) => change(p, p.high));
  if (!Array.isArray(to)) {
    const { timestamp } = to as { timestamp: number };
    const changes: OffsetChange[] = [];
    for (const topic of new Set(group.partitions.map((p) => p.topic))) {
      const found = await admin.fetchTopicOffsetsByTimestamp(topic, timestamp);
      for (const p of group.partitions.filter((q) => q.topic === topic)) {
        // no record at or after the time: the partition's end (nothing to read again)
        const offset = found.find((f) => f.partition === p.partition)?.offset ?? '-1';
        changes.push(change(p, BigInt(offset) < 0n ? p.high : offset));
      }
    }
    return changes;
  }
  const given = to as readonly { topic: string; partition: number; offset: string }[];
  return given.map(({ topic, partition, offset }) => {
    const p = group.partitions.find((q) => q.topic === topic && q.partition === partition);
    if (p === undefined) throw new ValidationError(`${topic}:${partition} is not a partition of a topic group ${group.groupId} reads`);
    if (BigInt(offset) < BigInt(p.low) || BigInt(offset) > BigInt(p.high))
      throw new ValidationError(`${topic}:${partition}:${offset} is outside what the partition holds (${p.low} to ${p.high})`);
    return change(p, offset);
  });
};

/**
 * Moves a consumer group's committed offsets, as `kafka-consumer-groups --reset-offsets` does: to each partition's
 * earliest or end offset, to the first offset at or after a time, or to given offsets. Refused while the group has
 * live members (they would overwrite the offsets with their own). Topics are those the group committed on, unless
 * named. `dryRun` returns what would change and writes nothing.
 */
export const resetGroupOffsets = (
  brokers: Brokers,
  groupId: string,
  options: Options & { readonly to: ResetTarget; readonly dryRun?: boolean },
): Promise<OffsetChange[]> =>
  withAdmin(brokers, options, `resetting consumer group ${groupId}`, async (admin) => {
    const group = await read(admin, groupId, options.topics);
    if (group.state !== 'Empty' && group.state !== 'Dead')
      throw new RuleViolationError(
        `consumer group ${groupId} has ${group.members} live member(s) (state ${group.state}); stop them before moving its offsets`,
      );
    if (group.partitions.length === 0)
      throw new ValidationError(`consumer group ${groupId} has committed no offsets; name the topics to reset with --topic`);
    const changes = await targetsOf(admin, group, options.to);
    if (options.dryRun !== true) {
      for (const topic of new Set(changes.map((c) => c.topic))) {
        const partitions = changes.filter((c) => c.topic === topic).map((c) => ({ partition: c.partition, offset: c.to }));
        await admin.setOffsets({ groupId, topic, partitions });
      }
    }
    return changes;
  });

/**
 * Deletes a consumer group and its committed offsets: true once it is gone (or never was), false while it still has
 * live members (Kafka refuses a non-empty group; ask again once they stopped).
 */
export const deleteGroup = (brokers: Brokers, groupId: string, options: Options = {}): Promise<boolean> =>
  withAdmin(brokers, options, `deleting consumer group ${groupId}`, async (admin) => {
    const group = await read(admin, groupId, options.topics);
    if (group.state === 'Dead' && group.partitions.length === 0) return true;
    if (group.state !== 'Empty' && group.state !== 'Dead') return false;
    try {
      await admin.deleteGroups([groupId]);
    } catch (error) {
      const codes = (error as { groups?: { error?: { type?: string } }[] }).groups?.map((g) => g.error?.type) ?? [];
      if (codes.includes('GROUP_ID_NOT_FOUND')) return true;
      if (codes.includes('NON_EMPTY_GROUP')) return false;
      throw error;
    }
    return true;
  });
