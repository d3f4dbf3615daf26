import type { Brokers } from './createKafkaClient.ts';
import type { Logger } from './logger.ts';
import { withAdmin } from './withAdmin.ts';

/**
 * Makes "a new group starts at the topic's end" durable: every partition on which the group has no committed offset
 * gets the partition's current end as its offset, now. Left to the consumer's own reset instead, the end is only read
 * when a member first fetches, and a member that crashes before it commits anything leaves the group without
 * offsets, so its successor starts at a later end and never sees the records published in between. Partitions with
 * an offset are left alone. Returns the partitions it pinned.
 */
export const pinGroupStart = async (
  brokers: Brokers,
  groupId: string,
  topic: string,
  options: { clientId?: string; logger?: Logger } = {},
): Promise<number[]> =>
  withAdmin(brokers, options, `pinning where ${groupId} starts on ${topic}`, async (admin) => {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const unset = new Set((committed?.partitions ?? []).filter((p) => Number(p.offset) < 0).map((p) => p.partition));
    const ends = (await admin.fetchTopicOffsets(topic)).filter((p) => unset.has(p.partition) || committed === undefined);
    if (ends.length === 0) return [];
    await admin.setOffsets({ groupId, topic, partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })) });
    return ends.map((p) => p.partition);
  });
