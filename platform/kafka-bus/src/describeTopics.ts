import type { Brokers } from './createKafkaClient.ts';
import type { Logger } from './logger.ts';
import { withAdmin } from './withAdmin.ts';

/** One partition's offsets: `low` is the earliest retained offset, `high` the end offset (the next to be written). */
export type PartitionOffsets = { readonly partition: number; readonly low: string; readonly high: string };

/** A topic with its partitions' offsets; `messages` is what the partitions retain, the sum of `high - low`. */
export type TopicDescription = {
  readonly topic: string;
  readonly partitions: readonly PartitionOffsets[];
  readonly messages: number;
};

// Kafka's own topics (__consumer_offsets, __transaction_state) and the convention other tools follow (_schemas)
const isInternal = (topic: string): boolean => topic.startsWith('_');

/**
 * Describes topics with their partitions' low and end offsets, sorted by name and partition. Without `topics`,
 * every topic except internal ones (names starting with `_`) unless `includeInternal`; with `topics`, those that
 * exist (a missing one is left out, so callers can tell).
 */
export const describeTopics = async (
  brokers: Brokers,
  options: { topics?: readonly string[]; includeInternal?: boolean; clientId?: string; logger?: Logger } = {},
): Promise<TopicDescription[]> => {
  return withAdmin(brokers, options, 'describing topics', async (admin) => {
    const existing = new Set(await admin.listTopics());
    const names =
      options.topics === undefined
        ? [...existing].filter((topic) => options.includeInternal === true || !isInternal(topic))
        : options.topics.filter((topic) => existing.has(topic));
    const described = await Promise.all(
      names.map(async (topic) => {
        const offsets = await admin.fetchTopicOffsets(topic);
        const partitions = offsets.map(({ partition, low, high }) => ({ partition, low, high })).sort((a, b) => a.partition - b.partition);
        const messages = partitions.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
        return { topic, partitions, messages };
      }),
    );
    return described.sort((a, b) => a.topic.localeCompare(b.topic));
  });
};
